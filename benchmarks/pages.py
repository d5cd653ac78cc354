"""Admin and desk pages at newsroom scale, against a nearly empty desk, in the same run.

    DATABASE_URL=postgres://USER@HOST:5432/DB python benchmarks/pages.py \
        [--scale 1.0] [--samples 15] [--keep] [--reuse]

Builds two scratch databases named after the one in DATABASE_URL (`<db>_bench_pages` and
`<db>_bench_pages_empty`), migrates both and fills them in bulk with COPY: at --scale 1.0 the
desk of issue 13 (20k articles with 3 KB bodies, 200k claims, about 1M annotations by 2,000
annotators, about 1.1M assignments, a consensus row per claim, verdicts on the published 10%),
and a nearly empty desk (10 articles, 300 claims, 8 annotators: enough for a full first page of
every list and two pages of each adjudication queue, so full pages are compared). One worker
process serves each desk through Django's test client (Celery eager, the cache in process);
the parent asks for each page from the two desks in turn, alternating which goes first, and
each worker times its own request (wall clock of `client.get`) and counts its queries. After
two warm-up rounds, --samples rounds per page; prints each page's p50/p95 and query count on
both desks and the p95 ratio (same statistic on both sides). Target: every page's p95 within 3x
of the empty desk's. Exits 1 when a page misses it.

The index's and the adjudication queue's desk-wide counts are recounted by a periodic job
(beat, every FACTCHECK_DESK_COUNTS_SECONDS), never by a visit while the cache holds them. The
script plays beat: between requests, untimed, it has each desk recount them every half period,
and prints that recount's cost on both desks apart.
"""

from __future__ import annotations

import argparse
import importlib
import io
import multiprocessing as mp
import os
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 3.0
WARMUP_ROUNDS = 2
LABELS = ("verified", "disputed", "false")
WORDS = [
    "the",
    "minister",
    "said",
    "figures",
    "show",
    "growth",
    "rate",
    "percent",
    "million",
    "billion",
    "report",
    "company",
    "data",
    "court",
    "claim",
    "tweet",
    "training",
    "model",
    "price",
    "fee",
    "api",
    "access",
    "users",
    "market",
    "agency",
    "official",
]


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c == "_" else "_" for c in name.lower())


def _scratch_url(url: str, suffix: str) -> str:
    parts = urlsplit(url)
    base = _safe(parts.path.lstrip("/") or "factcheck")
    return urlunsplit((parts.scheme, parts.netloc, f"/{base}_{suffix}", parts.query, ""))


# --- building a desk (inside a worker, Django set up) ---------------------------------------


def _copy(table: str, columns: str, rows: io.StringIO) -> None:
    from django.db import connection

    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        copy.write(rows.getvalue())


def _build(*, n_articles: int, n_claims: int, n_annotators: int, seed: int = 13) -> dict[str, int]:
    """Fill the (migrated, empty) database in bulk; returns the row counts."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import connection

    from articles import roles
    from articles.models import (
        Annotation,
        Article,
        Assignment,
        Claim,
        ClaimAppearance,
        Consensus,
        Verdict,
    )

    rng = np.random.default_rng(seed)
    now = time.time()
    year = 365 * 86400

    def ts(seconds: float) -> str:
        return time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(seconds))

    password = make_password("bench")
    users = io.StringIO()
    # User 1: the editor; users 2..n_annotators+1: annotators.
    users.write(f"{password}\tf\tbench_editor\t\t\t\tt\tt\t{ts(now - year)}\n")
    for i in range(n_annotators):
        users.write(f"{password}\tf\tbench_annotator_{i}\t\t\t\tt\tt\t{ts(now - year)}\n")
    _copy(
        "auth_user",
        "password, is_superuser, username, first_name, last_name, email, is_staff, is_active, "
        "date_joined",
        users,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM auth_user WHERE username = 'bench_editor'")
        editor_id = cursor.fetchone()[0]
        cursor.execute(
            "SELECT id FROM auth_user WHERE username LIKE 'bench_annotator_%%' ORDER BY id"
        )
        annotator_ids = np.array([row[0] for row in cursor.fetchall()], dtype=np.int64)
    groups = io.StringIO()
    editors = Group.objects.get(name=roles.EDITORS).pk
    annotators_group = Group.objects.get(name=roles.ANNOTATORS).pk
    groups.write(f"{editor_id}\t{editors}\n")
    for uid in annotator_ids.tolist():
        groups.write(f"{uid}\t{annotators_group}\n")
    _copy("auth_user_groups", "user_id, group_id", groups)

    bodies = [" ".join(rng.choice(WORDS, 480).tolist()) + "." for _ in range(50)]
    articles = io.StringIO()
    article_times = np.sort(rng.uniform(now - year, now, n_articles))
    for i in range(n_articles):
        body = f"Article {i}. " + bodies[i % len(bodies)]
        at = ts(float(article_times[i]))
        articles.write(
            f"Headline {i} about the story\tPublisher {i % 40}\thttps://news.example/{i}\t"
            f"Author {i % 300}\t{at}\ten\t{body}\t{body}\ttext\tfile{i}.txt\t{i:064x}\t"
            f"{editor_id}\t{at}\t{at}\n"
        )
    _copy(
        Article._meta.db_table,
        "title, publisher, url, author, published_at, language, body, raw, source_format, "
        "source_name, content_hash, imported_by_id, created_at, updated_at",
        articles,
    )
    article_ids = np.array(
        Article.objects.order_by("id").values_list("id", flat=True), dtype=np.int64
    )

    claim_times = np.sort(rng.uniform(now - year, now, n_claims))
    published = rng.random(n_claims) < 0.10
    claims = io.StringIO()
    for i in range(n_claims):
        at = ts(float(claim_times[i]))
        status = "published" if published[i] else "open"
        claims.write(
            f"Claim {i}: the company raised its fee by {i % 97} percent\tOfficial {i % 500}\t"
            f"{status}\t5\tf\t{editor_id}\t{at}\t{at}\n"
        )
    _copy(
        Claim._meta.db_table,
        "text, claimant, status, required_annotations, consensus_stale, created_by_id, "
        "created_at, updated_at",
        claims,
    )
    claim_ids = np.array(Claim.objects.order_by("id").values_list("id", flat=True), dtype=np.int64)

    # Appearances: each claim in one article, a quarter in a second one.
    appearances = io.StringIO()
    n_appearances = 0
    for i, cid in enumerate(claim_ids.tolist()):
        homes = [int(article_ids[i % n_articles])]
        second = int(article_ids[(i * 7 + 1) % n_articles])
        if i % 4 == 0 and second != homes[0]:
            homes.append(second)
        for aid in homes:
            appearances.write(f"{cid}\t{aid}\t0\t7\tArticle\t{editor_id}\t{ts(now)}\n")
            n_appearances += 1
    _copy(
        ClaimAppearance._meta.db_table,
        'claim_id, article_id, start, "end", quote, created_by_id, created_at',
        appearances,
    )

    # Annotations: 0-6 distinct annotators per claim (about 4.9 on average), each with a
    # completed assignment; claims with fewer than 5 get open assignments up to 5.
    per_claim = rng.choice(7, size=n_claims, p=[0.02, 0.02, 0.03, 0.05, 0.08, 0.4, 0.4])
    annotations = io.StringIO()
    assignments = io.StringIO()
    consensus = io.StringIO()
    verdicts = io.StringIO()
    n_annotations = n_assignments = 0
    statuses = {"settled": 0, "contested": 0, "pending": 0}
    n_workers = len(annotator_ids)
    for i, cid in enumerate(claim_ids.tolist()):
        k = int(per_claim[i])
        # The first annotator (the benchmark's annotator) rates or holds every 40th claim.
        offset = 0 if i % 40 == 0 else int(rng.integers(1, max(2, n_workers)))
        who = [int(annotator_ids[(offset + j) % n_workers]) for j in range(6)]
        created = float(claim_times[i])
        labels = rng.choice(3, size=k, p=[0.08, 0.08, 0.84]).tolist()
        for j in range(k):
            label = LABELS[labels[j]]
            at = ts(created + 3600 * (j + 1))
            annotations.write(
                f"{cid}\t{who[j]}\t{label}\t80\trationale {j}\t[]\t{label}\t\\N\t{at}\t{at}\n"
            )
            assignments.write(f"{cid}\t{who[j]}\t{editor_id}\t{ts(created + 60)}\t{at}\t\\N\t\n")
        n_annotations += k
        if not published[i]:
            for j in range(k, 5):
                assignments.write(f"{cid}\t{who[j]}\t{editor_id}\t{ts(created + 60)}\t\\N\t\\N\t\n")
                n_assignments += 1
        n_assignments += k
        if k:
            top = max(set(labels), key=labels.count)
            agreement = labels.count(top) / k
            status = "pending" if k < 3 else ("settled" if agreement >= 0.7 else "contested")
            statuses[status] += 1
            probs = {name: round(labels.count(n) / k, 3) for n, name in enumerate(LABELS)}
            probs_json = "{" + ", ".join(f'"{n}": {v}' for n, v in probs.items()) + "}"
            consensus.write(
                f"{cid}\t{LABELS[top] if status != 'pending' else ''}\t{probs_json}\t{agreement}\t"
                f"{status}\tmajority\t{{}}\t{k}\t{cid:064x}\t{ts(now)}\n"
            )
            if published[i]:
                verdicts.write(
                    f"{cid}\t1\t{LABELS[top]}\tf\t\t{LABELS[top]}\t{status}\t{editor_id}\t"
                    f"{ts(created + 86400)}\t\\N\t\n"
                )
    _copy(
        Annotation._meta.db_table,
        "claim_id, annotator_id, label, confidence, rationale, evidence_links, counted_label, "
        "revealed_at, created_at, updated_at",
        annotations,
    )
    _copy(
        Assignment._meta.db_table,
        "claim_id, annotator_id, assigned_by_id, created_at, completed_at, closed_at, close_reason",
        assignments,
    )
    _copy(
        Consensus._meta.db_table,
        "claim_id, label, probabilities, agreement, status, method, parameters, n_annotations, "
        "fingerprint, computed_at",
        consensus,
    )
    _copy(
        Verdict._meta.db_table,
        "claim_id, version, label, is_override, reason, consensus_label, consensus_status, "
        "published_by_id, published_at, retracted_at, retraction_reason",
        verdicts,
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {
        "articles": n_articles,
        "claims": n_claims,
        "appearances": n_appearances,
        "annotations": n_annotations,
        "assignments": n_assignments,
        **statuses,
    }


# --- a worker: one desk ---------------------------------------------------------------------


def _resolve(path: str, ids: dict[str, int]) -> str:
    for key, value in ids.items():
        path = path.replace("{" + key + "}", str(value))
    return path


def _worker(url: str, sizes: dict[str, int], reuse: bool, pipe: Connection) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)  # Celery eager, the cache in this process
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from articles.models import Article, Assignment, Claim
    from articles.selectors.outcomes import contested_queue
    from articles.services.snapshots import desk_snapshots_refresh

    # Start up as the WSGI server does (factcheck.wsgi freezes what start-up loaded out of the
    # garbage collector's full passes).
    importlib.import_module("factcheck.wsgi")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    started = time.perf_counter()
    if not reuse:
        call_command("migrate", verbosity=0)
        built = _build(**sizes)
    else:
        built = {"claims": Claim.objects.count()}
    pipe.send(("built", built, time.perf_counter() - started))

    editor = User.objects.get(username="bench_editor")
    annotator = User.objects.get(username="bench_annotator_0")
    clients = {"editor": Client(), "annotator": Client()}
    clients["editor"].force_login(editor)
    clients["annotator"].force_login(annotator)
    first_contested = contested_queue().values_list("pk", flat=True).first() or 1
    queued = (
        Assignment.objects.filter(Assignment.open_q(), annotator=annotator)
        .values_list("claim_id", flat=True)
        .first()
    )
    n_claims = Claim.objects.count()
    ids = {
        "contested": int(first_contested),
        "queued": int(queued or 1),
        "claim": int(Claim.objects.order_by("id").values_list("pk", flat=True).first() or 1),
        "article": int(Article.objects.order_by("id").values_list("pk", flat=True).first() or 1),
        "deep": max(0, min(499, n_claims // 50 - 1)),
    }
    while True:
        message = pipe.recv()
        if message is None:
            return
        if message == "refresh":
            t0 = time.perf_counter()
            desk_snapshots_refresh()
            pipe.send(time.perf_counter() - t0)
            continue
        role, path = message
        url_path = _resolve(path, ids)
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            response = clients[role].get(url_path)
            content = response.content
            seconds = time.perf_counter() - t0
        pipe.send((seconds, len(queries.captured_queries), response.status_code, len(content)))


PAGES: tuple[tuple[str, str, str], ...] = (
    ("editor", "index", "/admin/"),
    ("editor", "adjudication queue", "/admin/desk/contested/"),
    ("editor", "adjudication queue p2", "/admin/desk/contested/?page=2&ready_page=2"),
    ("editor", "adjudicate one claim", "/admin/desk/adjudicate/{contested}/"),
    ("editor", "claim list", "/admin/articles/claim/"),
    ("editor", "claim list deep page", "/admin/articles/claim/?p={deep}"),
    ("editor", "claim list contested", "/admin/articles/claim/?consensus=contested"),
    ("editor", "claim list by status", "/admin/articles/claim/?o=3"),
    ("editor", "claim page", "/admin/articles/claim/{claim}/change/"),
    ("editor", "article list", "/admin/articles/article/"),
    ("editor", "article page", "/admin/articles/article/{article}/change/"),
    ("editor", "assignment list", "/admin/articles/assignment/"),
    ("editor", "assignment list open", "/admin/articles/assignment/?state=open"),
    ("editor", "annotation list", "/admin/articles/annotation/"),
    ("editor", "consensus list", "/admin/articles/consensus/"),
    ("editor", "verdict list", "/admin/articles/verdict/"),
    ("annotator", "annotator index", "/admin/"),
    ("annotator", "annotator queue", "/admin/desk/queue/"),
    ("annotator", "annotate one claim", "/admin/desk/annotate/{queued}/"),
    ("annotator", "annotator claim list", "/admin/articles/claim/"),
    ("annotator", "annotator to-do filter", "/admin/articles/claim/?mine=todo"),
    ("annotator", "annotator assignments", "/admin/articles/assignment/"),
    ("annotator", "annotator annotations", "/admin/articles/annotation/"),
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 200k claims")
    parser.add_argument("--samples", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="Keep the scratch databases.")
    parser.add_argument("--reuse", action="store_true", help="Reuse kept scratch databases.")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("DATABASE_URL must name a PostgreSQL database", file=sys.stderr)
        return 2
    import psycopg

    desks = {
        "big": _scratch_url(url, "bench_pages"),
        "empty": _scratch_url(url, "bench_pages_empty"),
    }
    sizes = {
        "big": {
            "n_articles": max(5, int(20_000 * args.scale)),
            "n_claims": max(50, int(200_000 * args.scale)),
            "n_annotators": max(8, int(2_000 * args.scale)),
        },
        # Enough claims for a full page of every list and two pages of each adjudication queue
        # (50 a page): a page of the big desk is compared with a page as full, not an empty one.
        "empty": {"n_articles": 10, "n_claims": 300, "n_annotators": 8},
    }
    counts_period = int(os.environ.get("FACTCHECK_DESK_COUNTS_SECONDS", "60"))
    admin = psycopg.connect(url, autocommit=True)
    if not args.reuse:
        for desk_url in desks.values():
            name = urlsplit(desk_url).path.lstrip("/")
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {name}")
    ctx = mp.get_context("spawn")
    pipes: dict[str, Connection] = {}
    procs = []
    for desk, desk_url in desks.items():
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_worker, args=(desk_url, sizes[desk], args.reuse, child))
        proc.start()
        pipes[desk] = parent
        procs.append(proc)
    try:
        for (desk, pipe), proc in zip(pipes.items(), procs, strict=True):
            while not pipe.poll(2):
                if not proc.is_alive():
                    raise RuntimeError(f"the {desk} desk's worker died while building")
            _, built, seconds = pipe.recv()
            print(f"{desk} desk ready in {seconds:.0f} s: {built}")
        refresh: dict[str, list[float]] = {"big": [], "empty": []}
        last_refresh = -float("inf")

        def beat() -> None:
            """The periodic recount of the desk-wide counts, as beat would run it: every half
            period (so no visit finds them stale), outside the timed requests."""
            nonlocal last_refresh
            if time.monotonic() - last_refresh < counts_period / 2:
                return
            for desk, pipe in pipes.items():
                pipe.send("refresh")
                refresh[desk].append(pipe.recv())
            last_refresh = time.monotonic()

        samples: dict[str, dict[str, list[tuple[float, int, int, int]]]] = {
            name: {"big": [], "empty": []} for _, name, _ in PAGES
        }
        for round_no in range(WARMUP_ROUNDS + args.samples):
            for page_no, (role, name, path) in enumerate(PAGES):
                beat()
                order = ("big", "empty") if (round_no + page_no) % 2 == 0 else ("empty", "big")
                for desk in order:
                    pipes[desk].send((role, path))
                    result = pipes[desk].recv()
                    if round_no >= WARMUP_ROUNDS:
                        samples[name][desk].append(result)
        print(
            f"\n{'page':28} {'big p50':>8} {'big p95':>8} {'empty p50':>9} {'empty p95':>9} "
            f"{'p95 ratio':>9} {'queries':>9} {'KB':>6}"
        )
        worst = 0.0
        failed = []
        for _, name, _ in PAGES:
            big = samples[name]["big"]
            empty = samples[name]["empty"]
            b = np.array([s[0] for s in big]) * 1000
            e = np.array([s[0] for s in empty]) * 1000
            ratio = float(np.percentile(b, 95) / np.percentile(e, 95))
            worst = max(worst, ratio)
            statuses = {s[2] for s in big} | {s[2] for s in empty}
            if ratio > TARGET_RATIO or statuses != {200}:
                failed.append(name)
            print(
                f"{name:28} {np.percentile(b, 50):8.1f} {np.percentile(b, 95):8.1f} "
                f"{np.percentile(e, 50):9.1f} {np.percentile(e, 95):9.1f} {ratio:8.2f}x "
                f"{big[-1][1]:>4}/{empty[-1][1]:<4} {big[-1][3] // 1024:>6}"
                + ("" if statuses == {200} else f"  status {sorted(statuses)}")
            )
        print(
            f"\ndesk-wide recount (the periodic job, every {counts_period} s; "
            f"{len(refresh['big'])} runs, median): big {np.median(refresh['big']) * 1000:.0f} ms, "
            f"empty {np.median(refresh['empty']) * 1000:.0f} ms"
        )
        print(
            f"times in ms, {args.samples} interleaved samples per page and desk after "
            f"{WARMUP_ROUNDS} warm-up rounds; queries big/empty; worst p95 ratio {worst:.2f}x "
            f"(target <= {TARGET_RATIO:.1f}x)"
        )
        if failed:
            print("over target: " + ", ".join(failed))
        return 1 if failed else 0
    finally:
        for pipe, proc in zip(pipes.values(), procs, strict=True):
            if proc.is_alive():
                pipe.send(None)
            proc.join(timeout=30)
        if not args.keep:
            for desk_url in desks.values():
                admin.execute(f"DROP DATABASE IF EXISTS {urlsplit(desk_url).path.lstrip('/')}")
        admin.close()


if __name__ == "__main__":
    sys.exit(main())
