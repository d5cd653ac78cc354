"""Claim finding against the import of the same articles, same run.

    python benchmarks/claimfinding.py [--n 10000] [--claims 1000] [--seed 0] [--repeat 2]
        [--target 0.5]

Generates --n plain-text news articles (stories told by several outlets in different words,
with figures, money amounts, dates, names and attributions, among filler sentences; English,
Spanish and German) in a temporary folder and --claims claims on file, in a fresh SQLite
database. Then, --repeat times, interleaved:

  * baseline: `articles_import_paths` over the folder (read, decode, clean, hash, save every
    article), with the claim-finding job switched off (FACTCHECK_CLAIMFINDING_ON_IMPORT);
  * ours: `claims_find_for_articles` over the imported articles: segment, score, match to the
    claims on file, group the batch, and write suggestions, groups and proposed appearances.

Best of the runs on each side; prints both, the ratio and what was found. Exits 1 when the
ratio exceeds --target (0.5: claim finding may cost at most half of the import).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FIRST = ["Ana", "Marta", "John", "Peter", "Lena", "Omar", "Sofia", "Ravi", "Chen", "Klaus"]
LAST = ["Soler", "Smith", "Müller", "García", "Okafor", "Novak", "Rossi", "Tanaka", "Berg"]
ORG_A = ["Northwind", "Bluefield", "Harbor", "Summit", "Redstone", "Greenway", "Ironbridge"]
ORG_B = ["Energy", "Bank", "Motors", "Telecom", "Foods", "Airlines", "Health", "Logistics"]
CITIES = ["Valencia", "Leeds", "Hamburg", "Porto", "Lyon", "Turin", "Utrecht", "Denver"]
MONTHS = ["January", "March", "April", "June", "September", "November"]
TEMPLATES = {
    "en": [
        "{org} agreed to pay {money} to settle the lawsuit over {topic}, {person} said.",
        "According to {person}, {org} will pay {money} after the court case on {topic}.",
        "{org} reported that {topic} rose {pct} percent in {month} {year}.",
        "In {month} {year}, {topic} at {org} increased by {pct}%, the company reported.",
        "{person} announced on {weekday} that {org} would cut {n} jobs in {city}.",
        "{org} will cut {n} jobs in {city}, {person} told reporters on {weekday}.",
    ],
    "es": [
        "{org} pagará {money_es} por la demanda sobre {topic}, dijo {person}.",
        "Según {person}, {org} pagará {money_es} tras el juicio por {topic}.",
        "{org} anunció el {weekday_es} que eliminará {n} empleos en {city}.",
    ],
    "de": [
        "{org} zahlt {money_de} wegen der Klage um {topic}, sagte {person}.",
        "Laut {person} zahlt {org} nach dem Gericht {money_de} für {topic}.",
        "{org} kündigte am {weekday_de} an, {n} Stellen in {city} zu streichen.",
    ],
}
TOPICS = ["water prices", "data privacy", "delayed flights", "pension funds", "bus fares"]
FILLER = [
    "residents",
    "local",
    "weather",
    "afternoon",
    "market",
    "street",
    "coffee",
    "morning",
    "people",
    "school",
    "park",
    "visitors",
    "music",
    "evening",
    "summer",
    "week",
    "garden",
    "traffic",
    "neighbours",
    "festival",
    "quiet",
    "river",
]


def _story(rng: random.Random) -> dict[str, str]:
    return {
        "org": f"{rng.choice(ORG_A)} {rng.choice(ORG_B)}",
        "person": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        "topic": rng.choice(TOPICS),
        "city": rng.choice(CITIES),
        "money": f"${rng.randint(2, 90)} million",
        "money_es": f"{rng.randint(2, 90)} millones de euros",
        "money_de": f"{rng.randint(2, 90)} Millionen Euro",
        "pct": str(rng.randint(2, 40)),
        "month": rng.choice(MONTHS),
        "year": str(rng.randint(2019, 2025)),
        "weekday": rng.choice(["Monday", "Tuesday", "Friday"]),
        "weekday_es": rng.choice(["lunes", "martes", "viernes"]),
        "weekday_de": rng.choice(["Montag", "Dienstag", "Freitag"]),
        "n": str(rng.randint(50, 5000)),
    }


def make_article(story: dict[str, str], rng: random.Random) -> str:
    """A plain-text article (first line the title) telling `story` among filler sentences."""
    language = rng.choices(["en", "es", "de"], weights=[6, 2, 2])[0]
    facts = [t.format(**story) for t in rng.sample(TEMPLATES[language], 2)]
    lines = []
    for _ in range(rng.randint(8, 16)):
        words = rng.sample(FILLER, rng.randint(6, 12))
        lines.append(" ".join(words).capitalize() + ".")
    for fact in facts:
        lines.insert(rng.randrange(len(lines) + 1), fact)
    paragraphs = [" ".join(lines[i : i + 3]) for i in range(0, len(lines), 3)]
    return f"{story['org']} in the news\n\n" + "\n\n".join(paragraphs) + "\n"


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="Articles to generate.")
    parser.add_argument("--claims", type=int, default=1_000, help="Claims on file.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=2, help="Runs of each side; best counts.")
    parser.add_argument("--target", type=float, default=0.5, help="Largest acceptable ratio.")
    return parser.parse_args()


def main() -> int:
    args = _parse()
    rng = random.Random(args.seed)
    stories = [_story(rng) for _ in range(max(1, args.n // 5))]
    with tempfile.TemporaryDirectory(prefix="claimfinding-bench-") as tmp:
        folder = Path(tmp) / "articles"
        folder.mkdir()
        for number in range(args.n):
            text = make_article(stories[number % len(stories)], rng)
            (folder / f"article-{number:05}.txt").write_text(text, "utf-8")

        os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        from articles.models import (
            Article,
            Claim,
            ClaimSuggestion,
            ContradictionFlag,
            ProposedAppearance,
            SuggestionGroup,
        )
        from articles.services.claimfinding import claims_find_for_articles
        from articles.services.imports import articles_import_paths

        call_command("migrate", verbosity=0)
        settings.FACTCHECK_CLAIMFINDING_ON_IMPORT = False
        claim_rng = random.Random(args.seed + 1)
        Claim.objects.bulk_create(
            Claim(text=claim_rng.choice(TEMPLATES["en"]).format(**claim_rng.choice(stories)))
            for _ in range(args.claims)
        )

        def clear_findings() -> None:
            for model in (ContradictionFlag, ProposedAppearance, ClaimSuggestion, SuggestionGroup):
                model.objects.all().delete()

        imports: list[float] = []
        findings: list[float] = []
        found: dict[str, int] = {}
        imported = 0
        for _ in range(args.repeat):
            clear_findings()
            Article.objects.all().delete()
            started = time.perf_counter()
            results = articles_import_paths(paths=[folder])
            imports.append(time.perf_counter() - started)
            ids = [r.article_id for r in results if r.article_id is not None]
            imported = len(ids)

            started = time.perf_counter()
            found = claims_find_for_articles(article_ids=ids)
            findings.append(time.perf_counter() - started)

    baseline, ours = min(imports), min(findings)
    ratio = ours / baseline
    print(
        "runs (s): import",
        [round(t, 2) for t in imports],
        "claim finding",
        [round(t, 2) for t in findings],
    )
    print(f"articles: {args.n} generated, {imported} imported; claims on file: {args.claims}")
    print(
        f"found: {found.get('suggested', 0)} suggestions in {found.get('groups', 0)} groups "
        f"across articles, {found.get('proposed', 0)} proposed appearances"
    )
    print(f"baseline, import of the articles:        {baseline:8.2f} s (best of {args.repeat})")
    print(f"ours, suggestions and matching:          {ours:8.2f} s (best of {args.repeat})")
    print(f"ratio: {ratio:.2f}x (target <= {args.target}x)")
    if imported != args.n or ratio > args.target:
        print("FAIL")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
