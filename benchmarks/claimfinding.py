"""Claim finding against the import of the same articles, same run.

    python benchmarks/claimfinding.py [--n 10000] [--claims 1000] [--seed 0] [--repeat 3]
        [--target 0.5]

Generates --n plain-text news articles in a temporary folder: stories told by 1 to 8 outlets
each, every outlet stating some of the story's facts (figures, money amounts, dates, names,
attributions; one of several wordings, English, Spanish or German, now and then with a wrong
value) among 8 to 40 sentences of running text drawn from a Zipf-distributed vocabulary, with
the names, places, numbers and attributions real running text carries. --claims claims are on
file in a fresh SQLite database: facts of some of the stories, and of other stories. Then,
--repeat times, interleaved:

  * baseline: `articles_import_paths` over the folder (read, decode, clean, hash, save every
    article), with the claim-finding job switched off (FACTCHECK_CLAIMFINDING_ON_IMPORT);
  * ours: `claims_find_for_articles` over the imported articles: segment, score, match to the
    claims on file, group the batch, and write the groups (their sentences as suggestions),
    proposed appearances and contradiction flags, and mark the articles as gone over.

The median of the runs on each side, wall-clock (the target) and CPU time of the process
(both sides run in it: on a machine shared with other work it shows the work itself); prints
every run, the medians, the ratios and what was found. Exits 1 when the wall-clock ratio
exceeds --target (0.5: claim finding may cost at most half of the import) or not every article
was imported.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FIRST = [
    "Ana", "Marta", "John", "Peter", "Lena", "Omar", "Sofia", "Ravi", "Chen", "Klaus", "Aisha",
    "Pablo", "Julia", "Tomasz", "Ingrid", "Yusuf", "Elena", "Hiro", "Grace", "Mateo", "Nadia",
]  # fmt: skip
LAST = [
    "Soler", "Smith", "Müller", "García", "Okafor", "Novak", "Rossi", "Tanaka", "Berg", "Ivanova",
    "Dubois", "Kowalski", "Haddad", "Larsen", "Moreno", "Schmidt", "Nakamura", "Byrne", "Silva",
]  # fmt: skip
ROLES = {
    "en": ["chief executive", "spokesperson", "mayor", "finance minister", "union leader",
           "analyst", "lawyer", "regulator", "economist", "councillor"],
    "es": ["consejero delegado", "portavoz", "alcaldesa", "ministro de Hacienda",
           "líder sindical", "analista", "abogada", "regulador"],
    "de": ["Vorstandschef", "Sprecherin", "Bürgermeister", "Finanzminister", "Gewerkschaftschef",
           "Analystin", "Anwalt", "Regulierer"],
}  # fmt: skip
CITIES = [
    "Valencia", "Leeds", "Hamburg", "Porto", "Lyon", "Turin", "Utrecht", "Denver", "Graz",
    "Bilbao", "Cork", "Malmö", "Dresden", "Seville", "Glasgow", "Bremen", "Toulouse", "Austin",
]  # fmt: skip
MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
    "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"],
    "de": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
           "Oktober", "November", "Dezember"],
}  # fmt: skip
WEEKDAYS = {
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "es": ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"],
    "de": ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"],
}
FUNCTION = {
    "en": [
        "the",
        "of",
        "and",
        "to",
        "in",
        "a",
        "for",
        "on",
        "that",
        "with",
        "as",
        "at",
        "by",
        "from",
        "its",
        "was",
        "is",
        "were",
        "has",
        "have",
        "but",
        "after",
        "over",
        "than",
        "more",
        "about",
        "into",
        "this",
        "their",
        "which",
        "also",
        "not",
        "while",
        "before",
    ],
    "es": [
        "el",
        "la",
        "los",
        "las",
        "de",
        "del",
        "y",
        "en",
        "a",
        "por",
        "para",
        "con",
        "que",
        "su",
        "sus",
        "se",
        "al",
        "es",
        "fue",
        "han",
        "más",
        "sobre",
        "como",
        "pero",
        "tras",
        "entre",
        "desde",
        "este",
        "esta",
        "también",
        "no",
    ],
    "de": [
        "der",
        "die",
        "das",
        "den",
        "dem",
        "des",
        "und",
        "in",
        "zu",
        "mit",
        "für",
        "auf",
        "von",
        "im",
        "am",
        "ist",
        "war",
        "hat",
        "haben",
        "sich",
        "nach",
        "über",
        "als",
        "auch",
        "nicht",
        "bei",
        "aus",
        "vor",
        "seit",
        "eine",
        "einen",
        "einer",
    ],
}
# How often outlets say what: (template, with each language's own wording). Slots: {org},
# {person}, {role}, {city}, {money}, {pct}, {n}, {date}, {weekday}, {thing}, {other}.
FACTS = {
    "en": [
        "{org} agreed to pay {money} to settle the dispute over {thing}, {person} said.",
        "According to {person}, {org} will pay {money} after the case about {thing}.",
        "{org} will hand over {money} to end the legal fight over {thing}, its {role} said.",
        "{person}, the {role}, said {thing} rose {pct} percent in {date}.",
        "Figures released on {weekday} show {thing} at {org} increased by {pct}%.",
        "{thing} climbed {pct} per cent, {org} reported on {weekday}.",
        "{org} plans to cut {n} jobs in {city}, {person} told reporters on {weekday}.",
        "About {n} workers in {city} will lose their jobs at {org}, the {role} confirmed.",
        "{person} announced on {date} that {org} would open a plant in {city} costing {money}.",
        "The {role} {person} accused {other} of breaking the rules on {thing}.",
        "{other} denied claims by {person} that it had misled customers about {thing}.",
        "A court in {city} fined {org} {money} for breaching rules on {thing} on {date}.",
    ],
    "es": [
        "{org} pagará {money} para cerrar la disputa por {thing}, dijo {person}.",
        "Según {person}, {org} abonará {money} tras el juicio por {thing}.",
        "{thing} subió un {pct} % en {date}, informó {person}, {role} de {org}.",
        "{org} anunció el {weekday} que eliminará {n} empleos en {city}.",
        "Unos {n} trabajadores de {org} en {city} perderán su empleo, confirmó {person}.",
        "Un tribunal de {city} multó a {org} con {money} por incumplir las normas de {thing}.",
        "{person} acusó a {other} de engañar a los clientes sobre {thing}.",
    ],
    "de": [
        "{org} zahlt {money}, um den Streit um {thing} beizulegen, sagte {person}.",
        "Laut {person} überweist {org} nach dem Verfahren um {thing} {money}.",
        "{thing} stieg im {date} um {pct} Prozent, teilte {person} von {org} mit.",
        "{org} kündigte am {weekday} an, {n} Stellen in {city} zu streichen.",
        "Rund {n} Beschäftigte von {org} in {city} verlieren ihren Arbeitsplatz, sagte {person}.",
        "Ein Gericht in {city} verhängte gegen {org} eine Strafe von {money} wegen {thing}.",
        "{person} warf {other} vor, Kunden über {thing} getäuscht zu haben.",
    ],
}
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeio"] + [
    "an", "en", "in", "on", "ar", "er", "or", "ul", "st", "tr", "pl", "gr", "br", "ch", "sh", "th",
]  # fmt: skip


class Vocabulary:
    """One language's made-up content words, drawn with Zipf's law like the words of real text
    (a few very common, most rare), so TF-IDF and the shortlists see a realistic spread."""

    def __init__(self, rng: random.Random, size: int) -> None:
        words: set[str] = set()
        while len(words) < size:
            words.add("".join(rng.choices(SYLLABLES, k=rng.choice((2, 2, 3, 3, 4)))))
        self.words = sorted(words)
        rng.shuffle(self.words)
        # Offset ranks: the most common words of running text are the function words.
        weights = [1.0 / (rank + 50) ** 1.07 for rank in range(size)]
        total = sum(weights)
        self.cumulative = list(itertools.accumulate(w / total for w in weights))

    def draw(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cumulative, k=k)


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _org(rng: random.Random, vocabulary: Vocabulary) -> str:
    suffix = rng.choice(["Group", "Bank", "Energy", "Motors", "Telecom", "Health", "AG", "SA"])
    return f"{vocabulary.draw(rng, 1)[0].capitalize()} {suffix}"


def _money(rng: random.Random, language: str, amount: int) -> str:
    unit = rng.choice(["million", "billion"]) if amount < 1000 else ""
    if language == "es":
        return f"{amount} {'millones' if unit == 'million' else 'mil millones'} de euros"
    if language == "de":
        return f"{amount} {'Millionen' if unit == 'million' else 'Milliarden'} Euro"
    return rng.choice([f"${amount} {unit}", f"€{amount} {unit}", f"{amount} {unit} dollars"])


def _story(rng: random.Random, vocabulary: dict[str, Vocabulary]) -> dict[str, Any]:
    """The facts of one story: the same values whichever outlet tells it."""
    return {
        "orgs": [_org(rng, vocabulary["en"]) for _ in range(2)],
        "people": [_name(rng) for _ in range(3)],
        "city": rng.choice(CITIES),
        "amount": rng.randint(2, 900),
        "pct": rng.randint(2, 60),
        "n": rng.randint(40, 9000),
        "month": rng.randrange(12),
        "year": rng.randint(2015, 2026),
        "weekday": rng.randrange(7),
        "thing": " ".join(vocabulary["en"].draw(rng, 2)),
        "facts": rng.sample(range(len(FACTS["en"])), 4),
    }


def _fact(story: dict[str, Any], rng: random.Random, language: str, index: int) -> str:
    templates = FACTS[language]
    template = templates[index % len(templates)]
    # One outlet in ten gets a value wrong: the contradictions the desk flags.
    amount = story["amount"] + (rng.randint(1, 9) if rng.random() < 0.1 else 0)
    month = MONTHS[language][story["month"]]
    return template.format(
        org=story["orgs"][0],
        other=story["orgs"][1],
        person=rng.choice(story["people"]),
        role=rng.choice(ROLES[language]),
        city=story["city"],
        money=_money(rng, language, amount),
        pct=story["pct"],
        n=f"{story['n']:,}" if language == "en" else str(story["n"]),
        date=rng.choice([f"{month} {story['year']}", month]),
        weekday=WEEKDAYS[language][story["weekday"]],
        thing=story["thing"],
    )


def _filler(rng: random.Random, language: str, vocabulary: Vocabulary) -> str:
    """A sentence of running text: content and function words, and, as in real news, now and
    then a name, a place, a number, a year or an attribution."""
    words: list[str] = []
    for _ in range(rng.randint(7, 28)):
        words.append(
            rng.choice(FUNCTION[language]) if rng.random() < 0.45 else vocabulary.draw(rng, 1)[0]
        )
    extras: list[tuple[float, Callable[[], str]]] = [
        (0.35, lambda: _name(rng)),
        (0.25, lambda: rng.choice(CITIES)),
        (0.15, lambda: str(rng.randint(2, 500))),
        (0.08, lambda: str(rng.randint(1990, 2026))),
    ]
    for probability, make in extras:
        if rng.random() < probability:
            words.insert(rng.randrange(1, len(words)), make())
    sentence = " ".join(words)
    if rng.random() < 0.15:
        said = {"en": "said", "es": "dijo", "de": "sagte"}[language]
        sentence += f", {said} {_name(rng)}"
    return sentence[0].upper() + sentence[1:] + rng.choice([".", ".", ".", ".", "?", "!"])


def make_article(
    story: dict[str, Any], rng: random.Random, vocabulary: dict[str, Vocabulary]
) -> str:
    """A plain-text article (first line the title): one outlet's telling of `story`, some of its
    facts in one of several wordings, among 8 to 40 sentences of running text."""
    language = rng.choices(["en", "es", "de"], weights=[6, 2, 2])[0]
    sentences = [_filler(rng, language, vocabulary[language]) for _ in range(rng.randint(8, 40))]
    for index in rng.sample(story["facts"], rng.randint(1, len(story["facts"]))):
        fact = _fact(story, rng, language, index + rng.randrange(3))
        sentences.insert(rng.randrange(len(sentences) + 1), fact)
    paragraphs: list[str] = []
    while sentences:
        size = rng.randint(1, 5)
        paragraphs.append(" ".join(sentences[:size]))
        sentences = sentences[size:]
    title = " ".join(vocabulary[language].draw(rng, rng.randint(3, 8))).capitalize()
    return f"{story['orgs'][0]}: {title}\n\n" + "\n\n".join(paragraphs) + "\n"


def make_corpus(n: int, n_claims: int, seed: int) -> tuple[list[str], list[str]]:
    """`n` articles on stories told by 1 to 8 outlets each, and `n_claims` wordings of claims on
    file: a fact of some story of the articles (as an editor filed it from an earlier article)
    for at most half of them, facts of other stories for the rest."""
    rng = random.Random(seed)
    vocabulary = {language: Vocabulary(rng, 20_000) for language in FACTS}
    articles: list[str] = []
    stories: list[dict[str, Any]] = []
    while len(articles) < n:
        story = _story(rng, vocabulary)
        stories.append(story)
        for _ in range(min(n - len(articles), min(8, 1 + int(rng.expovariate(0.5))))):
            articles.append(make_article(story, rng, vocabulary))
    told = rng.sample(stories, min(len(stories), n_claims // 2))
    others = [_story(rng, vocabulary) for _ in range(n_claims - len(told))]
    claims = [_fact(story, rng, "en", rng.choice(story["facts"])) for story in told + others]
    return articles, claims


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="Articles to generate.")
    parser.add_argument("--claims", type=int, default=1_000, help="Claims on file.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="Interleaved runs of each side.")
    parser.add_argument("--target", type=float, default=0.5, help="Largest acceptable ratio.")
    return parser.parse_args()


def main() -> int:
    args = _parse()
    texts, claim_texts = make_corpus(args.n, args.claims, args.seed)
    with tempfile.TemporaryDirectory(prefix="claimfinding-bench-") as tmp:
        folder = Path(tmp) / "articles"
        folder.mkdir()
        for number, text in enumerate(texts):
            (folder / f"article-{number:05}.txt").write_text(text, "utf-8")

        os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        from articles.claimfinding import clear_caches
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
        Claim.objects.bulk_create((Claim(text=text) for text in claim_texts), batch_size=1000)

        def clear() -> None:
            for model in (ContradictionFlag, ProposedAppearance, ClaimSuggestion, SuggestionGroup):
                model.objects.all().delete()
            Article.objects.all().delete()

        imports: list[float] = []
        findings: list[float] = []
        imports_cpu: list[float] = []
        findings_cpu: list[float] = []
        found: dict[str, int] = {}
        imported = 0
        # Interleaved: each run imports the folder into an empty desk, then finds claims in
        # what it imported, so both sides see the same machine load over the runs.
        for _ in range(args.repeat):
            clear()
            started, started_cpu = time.perf_counter(), time.process_time()
            results = articles_import_paths(paths=[folder])
            imports.append(time.perf_counter() - started)
            imports_cpu.append(time.process_time() - started_cpu)
            ids = [r.article_id for r in results if r.article_id is not None]
            imported = len(ids)

            # A cold start every run: the per-word tables claim finding keeps across jobs
            # would otherwise know every word of these articles from the run before.
            clear_caches()
            started, started_cpu = time.perf_counter(), time.process_time()
            found = claims_find_for_articles(article_ids=ids)
            findings.append(time.perf_counter() - started)
            findings_cpu.append(time.process_time() - started_cpu)

    baseline, ours = statistics.median(imports), statistics.median(findings)
    ratio = ours / baseline
    cpu_ratio = statistics.median(findings_cpu) / statistics.median(imports_cpu)
    print(
        "runs, wall-clock (s): import",
        [round(t, 2) for t in imports],
        "claim finding",
        [round(t, 2) for t in findings],
    )
    print(
        "runs, CPU time of this process (s): import",
        [round(t, 2) for t in imports_cpu],
        "claim finding",
        [round(t, 2) for t in findings_cpu],
    )
    print(f"articles: {args.n} generated, {imported} imported; claims on file: {args.claims}")
    print(
        f"found: {found.get('suggested', 0)} sentences worth suggesting, "
        f"{found.get('grouped', 0)} of them stored in {found.get('groups', 0)} groups across "
        f"articles, {found.get('proposed', 0)} proposed appearances, "
        f"{found.get('flags', 0)} contradiction flags"
    )
    print(f"baseline, import of the articles:   {baseline:8.2f} s (median of {args.repeat})")
    print(f"ours, suggestions and matching:     {ours:8.2f} s (median of {args.repeat})")
    print(
        f"CPU time, median: import {statistics.median(imports_cpu):.2f} s, claim finding "
        f"{statistics.median(findings_cpu):.2f} s, ratio {cpu_ratio:.2f}x (shown; the target "
        "is on wall-clock)"
    )
    print(f"ratio, wall-clock medians: {ratio:.2f}x (target <= {args.target}x)")
    if imported != args.n or ratio > args.target:
        print("FAIL")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
