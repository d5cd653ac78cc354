"""HTML import: our full pipeline against trafilatura extraction alone, same files, same run,
on SQLite and on PostgreSQL, with the machine under load.

    [DATABASE_URL=postgres://USER@HOST:5432/DB] python benchmarks/import_html.py \
        [--n 1000] [--seed 0] [--target 1.5] [--repeat 5] [--load 1]

Generates --n varied HTML article pages (navigation, ads, share prompts, comment forms, footers,
bylines, "published" date lines; several languages, a third of them undeclared; different
lengths) in a temporary folder, then, for each database
(a fresh temporary SQLite file, and a scratch PostgreSQL database `<db>_bench_import` beside the
one in DATABASE_URL when that points at PostgreSQL), in a fresh process, times --repeat runs of
each side, interleaved by chunks of 50 files (within a run the sides alternate chunk by chunk,
and which side goes first alternates; a run's time is the sum over its chunks):

  * baseline: `trafilatura.bare_extraction(html, with_metadata=True)` over every file,
  * ours: `articles_import_paths` over the same files (a call per chunk): read, decode, extract,
    clean, hash and save each article into that database, from an empty articles table, each run
    with no date patterns learnt (the claim-finding job an import queues has its own benchmark),

while --load background processes keep a CPU busy each (both sides run under the same load).
Prints each side's median and the ratio of the medians per database. Exits 1 when a ratio
exceeds --target, or when not every page was imported.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
# Files per chunk of the fine interleaving (see _time_in_this_process): one import group.
CHUNK = 50
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

WORDS = {
    "en": [
        "the",
        "council",
        "said",
        "on",
        "monday",
        "that",
        "its",
        "budget",
        "for",
        "roads",
        "and",
        "schools",
        "would",
        "rise",
        "by",
        "percent",
        "after",
        "a",
        "vote",
        "in",
        "which",
        "members",
        "argued",
        "about",
        "housing",
        "transport",
        "water",
        "energy",
        "prices",
        "hospital",
        "staff",
        "contracts",
        "data",
        "the",
        "minister",
        "company",
        "report",
        "shows",
        "figures",
    ],
    "es": [
        "el",
        "consejo",
        "dijo",
        "el",
        "lunes",
        "que",
        "su",
        "presupuesto",
        "para",
        "carreteras",
        "y",
        "escuelas",
        "subirá",
        "un",
        "por",
        "ciento",
        "tras",
        "una",
        "votación",
        "en",
        "la",
        "que",
        "los",
        "miembros",
        "discutieron",
        "sobre",
        "vivienda",
        "transporte",
        "agua",
        "energía",
        "precios",
        "hospital",
        "personal",
        "contratos",
        "datos",
        "ministra",
        "empresa",
        "informe",
    ],
    "de": [
        "der",
        "rat",
        "sagte",
        "am",
        "montag",
        "dass",
        "sein",
        "haushalt",
        "für",
        "straßen",
        "und",
        "schulen",
        "um",
        "prozent",
        "steigen",
        "werde",
        "nach",
        "einer",
        "abstimmung",
        "in",
        "der",
        "die",
        "mitglieder",
        "über",
        "wohnungen",
        "verkehr",
        "wasser",
        "energie",
        "preise",
        "krankenhaus",
        "personal",
        "verträge",
        "daten",
        "ministerin",
        "bericht",
        "zeigt",
        "zahlen",
    ],
    "fr": [
        "le",
        "conseil",
        "a",
        "déclaré",
        "lundi",
        "que",
        "son",
        "budget",
        "pour",
        "les",
        "routes",
        "et",
        "les",
        "écoles",
        "augmenterait",
        "de",
        "pour",
        "cent",
        "après",
        "un",
        "vote",
        "où",
        "les",
        "membres",
        "ont",
        "débattu",
        "du",
        "logement",
        "des",
        "transports",
        "de",
        "l'eau",
        "de",
        "l'énergie",
        "des",
        "prix",
        "de",
        "l'hôpital",
        "du",
        "personnel",
        "des",
        "contrats",
        "et",
        "des",
        "données",
    ],
}
# A visible "published" line under the byline, read by our date parsing (dates vary over ten
# years, so that repeated dates do not flatter the import). Our import learns a date pattern
# (the line with its day and year numbers taken out) the first time dateparser reads it: each run
# starts with none learnt, so each of these 48 patterns (4 layouts x 12 months) costs a
# dateparser call a run (a pattern with a time would cost up to five more, to check it: none here).
PUBLISHED = {
    "en": "Published {day} {month} {year}",
    "es": "Publicado el {day} de {month} de {year}",
    "de": "Veröffentlicht am {day}. {month} {year}",
    "fr": "Publié le {day} {month} {year}",
}
MONTHS = {
    "en": "January February March April May June July August September October November December",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
    "diciembre",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
}
CHROME = {
    "en": ("Advertisement", "Leave a Reply", "Share this article", "Home"),
    "es": ("Publicidad", "Deja una respuesta", "Compartir", "Inicio"),
    "de": ("Anzeige", "Hinterlasse einen Kommentar", "Teilen", "Startseite"),
    "fr": ("Publicité", "Laisser un commentaire", "Partager", "Accueil"),
}


def _sentence(rng: random.Random, words: list[str]) -> str:
    picked = rng.choices(words, k=rng.randint(12, 26))
    picked.insert(rng.randint(0, len(picked)), str(rng.randint(2, 9_999)))
    return " ".join(picked).capitalize() + "."


def make_page(number: int, rng: random.Random) -> str:
    lang = rng.choice(sorted(WORDS))
    words = WORDS[lang]
    ad, reply, share, home = CHROME[lang]
    title = " ".join(rng.choices(words, k=rng.randint(5, 10))).capitalize() + f" {number}"
    paragraphs = [
        " ".join(_sentence(rng, words) for _ in range(rng.randint(2, 5)))
        for _ in range(rng.randint(4, 14))
    ]
    body = "".join(
        f"<p>{paragraph}</p>" + (f'<div class="ad"><p>{ad}</p></div>' if i == 2 else "")
        for i, paragraph in enumerate(paragraphs)
    )
    links = "".join(f'<li><a href="/s/{n}">{rng.choice(words)}</a></li>' for n in range(12))
    related = "".join(
        f'<li><a href="/r/{n}">{" ".join(rng.choices(words, k=6))}</a></li>' for n in range(6)
    )
    # A third of the pages declare no language (our import identifies it from the text); half
    # show their date in a "published" line as well as in the metadata.
    lang_attribute = f' lang="{lang}"' if number % 3 else ""
    month = MONTHS[lang].split()[rng.randrange(12)]
    day, year = rng.randint(1, 28), rng.randint(2015, 2024)
    published = PUBLISHED[lang].format(day=day, month=month, year=year) if number % 2 else ""
    return f"""<!DOCTYPE html>
<html{lang_attribute}><head><meta charset="utf-8">
<title>{title} | Example {number % 17}</title>
<meta property="og:site_name" content="Example {number % 17}">
<meta name="author" content="Writer {number % 23}">
<meta property="article:published_time" content="2024-0{1 + number % 9}-1{number % 9}T08:00:00Z">
<link rel="canonical" href="https://news{number % 17}.example/{number}">
<script>var tracking = {{"id": {number}}};</script><style>body {{ margin: 0 }}</style>
</head><body>
<header><nav><a href="/">{home}</a><ul>{links}</ul></nav></header>
<main><article><h1>{title}</h1><p class="byline">By Writer {number % 23}</p>
<p class="date">{published}</p>{body}
<p>{share}</p></article>
<aside><h3>Related</h3><ul>{related}</ul></aside>
<section class="comments"><h3>{reply}</h3><form><textarea></textarea></form></section></main>
<footer><p>© 2024 Example {number % 17}</p><ul>{links}</ul></footer>
</body></html>"""


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="How many HTML pages to generate.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--target", type=float, default=1.5, help="Largest acceptable ratio.")
    parser.add_argument("--repeat", type=int, default=5, help="Runs of each side (median).")
    parser.add_argument(
        "--load", type=int, default=1, help="Busy background processes during the timings."
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)  # internal: FOLDER to time
    return parser.parse_args()


def _time_in_this_process(folder: Path, repeat: int, seed: int) -> dict[str, object]:
    """Both sides over `folder` on the database in DATABASE_URL (already created), interleaved."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    import django

    django.setup()
    import trafilatura
    from django.core.management import call_command

    from articles.importing.dates import forget_date_patterns
    from articles.services.imports import articles_import_paths

    call_command("migrate", verbosity=0)
    files = sorted(folder.iterdir())
    rng = random.Random(seed + 1)

    # Warm both code paths up (imports, regex compilation, trafilatura's caches) on pages in
    # every language, with and without a declared language and a date line, so that what
    # loads once per language (date locales) is not timed.
    with tempfile.TemporaryDirectory(prefix="import-warm-") as warm:
        for number in range(len(files) + 1, len(files) + 25):
            page = make_page(number, rng)
            (Path(warm) / f"w{number}.html").write_text(page, "utf-8")
            trafilatura.bare_extraction(page, with_metadata=True)
        articles_import_paths(paths=[Path(warm)])
    _empty_articles()

    # Interleaved finely: each run alternates the two sides over chunks of CHUNK files (which
    # side goes first alternates too), so a burst of load from elsewhere lands on both sides
    # alike; a side's time for a run is the sum over its chunks (every file once).
    chunks = [files[start : start + CHUNK] for start in range(0, len(files), CHUNK)]
    baselines: list[float] = []
    ours_runs: list[float] = []
    extracted = 0
    results: list[Any] = []
    for _ in range(repeat):
        _empty_articles()
        # Dates are read from patterns learnt in the process (dateparser once per pattern):
        # start each run cold, as a new worker would.
        forget_date_patterns()
        baseline = ours = 0.0
        extracted = 0
        results = []
        for number, chunk in enumerate(chunks):
            for side in ("ours", "baseline") if number % 2 else ("baseline", "ours"):
                started = time.perf_counter()
                if side == "baseline":
                    for path in chunk:
                        document = trafilatura.bare_extraction(
                            path.read_text("utf-8"), with_metadata=True, include_comments=False
                        )
                        extracted += document is not None
                    baseline += time.perf_counter() - started
                else:
                    results += articles_import_paths(paths=chunk)
                    ours += time.perf_counter() - started
        baselines.append(baseline)
        ours_runs.append(ours)
    rejected = [str(r) for r in results if r.status != "imported"][:5]
    return {
        "baseline": baselines,
        "ours": ours_runs,
        "extracted": extracted,
        "imported": sum(result.status == "imported" for result in results),
        "rejected": rejected,
    }


def _empty_articles() -> None:
    """An empty articles table for the next run. PostgreSQL truncates: deleting would leave the
    previous run's rows as dead tuples for autovacuum to clear during the next timed run."""
    from django.db import connection

    from articles.models import Article

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {Article._meta.db_table} CASCADE")
    else:
        Article.objects.all().delete()


def _postgres_scratch(url: str) -> str | None:
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    parts = urlsplit(url)
    name = (parts.path.lstrip("/") or "factcheck") + "_bench_import"
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def _recreate(admin_url: str, scratch: str | None, *, drop_only: bool = False) -> None:
    if scratch is None:
        return
    import psycopg

    name = urlsplit(scratch).path.lstrip("/")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def _run_child(folder: Path, database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Time both sides in a fresh process on `database_url`, with --load busy processes."""
    # The claim-finding job an import queues runs in a worker in production; it has its own
    # benchmark (benchmarks/claimfinding.py), so it is not run here (without a broker it would
    # run in process, inside our timing).
    env = {**os.environ, "DATABASE_URL": database_url, "FACTCHECK_CLAIMFINDING_ON_IMPORT": "false"}
    env.pop("REDIS_URL", None)
    burners = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.load)
    ]
    try:
        done = subprocess.run(  # noqa: S603 - our own argv
            [sys.executable, __file__, "--child", str(folder), "--repeat", str(args.repeat),
             "--seed", str(args.seed)],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()
    if done.returncode != 0:
        raise SystemExit(f"benchmark process failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    args = _parse()
    if args.child:
        print(json.dumps(_time_in_this_process(Path(args.child), args.repeat, args.seed)))
        return 0
    admin_url = os.environ.get("DATABASE_URL", "")
    scratch = _postgres_scratch(admin_url)
    failed = False
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        folder = Path(tmp) / "pages"
        folder.mkdir()
        rng = random.Random(args.seed)
        for number in range(args.n):
            (folder / f"page-{number:05}.html").write_text(make_page(number, rng), "utf-8")
        databases = [("SQLite", f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")]
        if scratch is not None:
            databases.append(("PostgreSQL", scratch))
        else:
            print("DATABASE_URL is not PostgreSQL: SQLite only")
        print(
            f"pages: {args.n}; {args.load} busy background process(es) during every timing; "
            f"median of {args.repeat} runs per side, interleaved"
        )
        try:
            _recreate(admin_url, scratch)
            for name, url in databases:
                result = _run_child(folder, url, args)
                baseline = statistics.median(result["baseline"])
                ours = statistics.median(result["ours"])
                ratio = ours / baseline
                print(
                    f"{name:10}  trafilatura alone {baseline:6.2f} s "
                    f"{[round(t, 2) for t in result['baseline']]}  "
                    f"ours {ours:6.2f} s {[round(t, 2) for t in result['ours']]}  "
                    f"ratio {ratio:.2f}x (target <= {args.target}x); "
                    f"extracted {result['extracted']}, imported {result['imported']}"
                )
                if result["imported"] != args.n:
                    print(f"FAIL: {args.n - result['imported']} pages not imported, e.g. "
                          f"{result['rejected']}")  # fmt: skip
                    failed = True
                elif ratio > args.target:
                    print(f"FAIL: {name} over target")
                    failed = True
        finally:
            _recreate(admin_url, scratch, drop_only=True)
    print("FAIL" if failed else "OK")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
