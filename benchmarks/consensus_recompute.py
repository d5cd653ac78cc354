"""Full consensus recompute, end to end from PostgreSQL, against the physical floor of its work.

    DATABASE_URL=postgres://USER@HOST:5432/DB python benchmarks/consensus_recompute.py \
        [--annotations 1000000] [--claims 200000] [--annotators 2000]

Creates a scratch database beside the one in DATABASE_URL, migrates it, fills it with generated
claims and annotations (annotators of varying reliability, with rationales), then, --repeat
times, interleaved, measures:
  * the floor: a binary COPY out of the three annotation columns the recompute reads
    (claim_id, annotator_id, label), plus a binary COPY in of as many consensus rows as a run
    writes (into a table like the consensus table, with its index, committed as ours are);
  * ours: `consensus_full_recompute()` (load, Dawid-Skene over everything, bulk write), first on
    an empty consensus table (every row inserted), again with nothing changed (nothing
    written), once more after the decision threshold changed (every row's parameters change:
    every row rewritten), and after one annotation's label changed (only rows whose shown
    output changed are rewritten).
Prints the median of each, the ratios of the first and the every-row-rewritten run to their
floor; exits 1 when either exceeds 2x.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 2.0


def _scratch_name(url: str) -> str:
    """The scratch database, named after the one in DATABASE_URL, so two people benchmarking on
    one server (each with their own database) never drop each other's."""
    base = urlsplit(url).path.lstrip("/") or "factcheck"
    name = "".join(c if c.isalnum() or c == "_" else "_" for c in base.lower())
    return f"{name}_bench_recompute"


def _scratch_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{_scratch_name(url)}", parts.query, ""))


def _admin_connect(url: str) -> object:
    import psycopg

    return psycopg.connect(url, autocommit=True)


def _generate(n_annotations: int, n_claims: int, n_annotators: int, seed: int = 7) -> int:
    """Fill the scratch database with users, one article, claims and annotations via COPY;
    return how many annotations (the generator's per-claim workloads make it approximate)."""
    from django.contrib.auth.models import Group, User
    from django.db import connection
    from django.utils import timezone

    from articles.models import Annotation, Article, Claim, Label
    from tests.consensus.simulate import simulate

    rng = np.random.default_rng(seed)
    labels = np.array(Label.values)
    n_labels = labels.size
    now = timezone.now().isoformat()

    group = Group.objects.get(name="Annotators")
    users = io.StringIO()
    for i in range(n_annotators):
        users.write(f"!\tf\tbench{i}\t\t\tbench{i}@example.org\tt\tt\t{now}\n")
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            "COPY auth_user (password, is_superuser, username, first_name, last_name, email, "
            "is_staff, is_active, date_joined) FROM STDIN"
        ) as copy,
    ):
        copy.write(users.getvalue())
    user_ids = np.array(sorted(User.objects.values_list("id", flat=True)), dtype=np.int64)
    group.user_set.add(*user_ids.tolist())

    article = Article.objects.create(
        title="Benchmark article",
        body="Benchmark body.",
        raw="Benchmark body.",
        source_format=Article.SourceFormat.TEXT,
        content_hash="bench",
    )
    del article
    claims = io.StringIO()
    for i in range(n_claims):
        claims.write(f"Generated claim number {i}\t\topen\t3\tf\t{now}\t{now}\n")
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY {Claim._meta.db_table} (text, claimant, status, required_annotations, "
            "consensus_stale, created_at, updated_at) FROM STDIN"
        ) as copy,
    ):
        copy.write(claims.getvalue())
    claim_ids = np.array(sorted(Claim.objects.values_list("id", flat=True)), dtype=np.int64)

    # The same generated crowd as the math benchmark: reliable, noisy, biased, adversarial and
    # spamming annotators with uneven workloads, each (claim, annotator) pair at most once.
    crowd = simulate(
        n_items=n_claims,
        n_workers=n_annotators,
        n_labels=n_labels,
        n_annotations=n_annotations,
        seed=seed,
    )
    item, worker, given = crowd.item_idx, crowd.worker_idx, crowd.label_idx

    buffer = io.StringIO()
    rationale = "Checked the primary source and two independent reports before deciding."
    confidence = rng.integers(40, 100, size=item.size)
    for c, w, g, conf in zip(
        claim_ids[item].tolist(),
        user_ids[worker].tolist(),
        given.tolist(),
        confidence.tolist(),
        strict=True,
    ):
        label = labels[g]
        buffer.write(f"{c}\t{w}\t{label}\t{label}\t{conf}\t{rationale}\t[]\t{now}\t{now}\n")
    with connection.cursor() as cursor:
        with cursor.cursor.copy(
            f"COPY {Annotation._meta.db_table} (claim_id, annotator_id, label, counted_label, "
            "confidence, "
            "rationale, evidence_links, created_at, updated_at) FROM STDIN"
        ) as copy:
            copy.write(buffer.getvalue())
        cursor.execute("ANALYZE")
    return int(item.size)


def _time_copy_out() -> tuple[float, int]:
    """Binary COPY out of the three columns the recompute reads, read to the end."""
    from django.db import connection

    from articles.models import Annotation

    size = 0
    table = Annotation._meta.db_table
    start = time.perf_counter()
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            f"COPY (SELECT claim_id, annotator_id, label FROM {table}) TO STDOUT (FORMAT binary)"  # noqa: S608 - our table name
        ) as copy,
    ):
        for chunk in copy:
            size += len(chunk)
    return time.perf_counter() - start, size


def _consensus_rows_binary() -> bytes:
    """The stored consensus rows as binary COPY data, to write back in the floor's COPY in."""
    from django.db import connection

    from articles.models import Consensus

    out = bytearray()
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {Consensus._meta.db_table} TO STDOUT (FORMAT binary)") as copy,
    ):
        for chunk in copy:
            out += chunk
    return bytes(out)


def _time_copy_in(payload: bytes) -> float:
    """Binary COPY in of `payload` into a table like the consensus table (its key index and
    fillfactor), in a transaction committed like the recompute's (synchronous_commit off)."""
    from django.db import connection, transaction

    from articles.models import Consensus

    table = Consensus._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_floor")
        cursor.execute(f"CREATE TABLE bench_floor (LIKE {table} INCLUDING ALL)")
        cursor.execute("ALTER TABLE bench_floor SET (fillfactor = 50)")
        cursor.execute("CHECKPOINT")
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")
        with cursor.cursor.copy("COPY bench_floor FROM STDIN (FORMAT binary)") as copy:
            copy.write(payload)
    seconds = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_floor")
    return seconds


def _flip_one_annotation() -> tuple[int, str]:
    """Change one annotation's label to the next label; return its id and old label."""
    from articles.models import Annotation, Label

    annotation = Annotation.objects.order_by("id").only("id", "label").first()
    if annotation is None:
        raise SystemExit("no annotations generated")
    labels = list(Label.values)
    new = labels[(labels.index(annotation.label) + 1) % len(labels)]
    Annotation.objects.filter(pk=annotation.pk).update(label=new)
    return annotation.pk, annotation.label


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annotations", type=int, default=1_000_000)
    parser.add_argument("--claims", type=int, default=200_000)
    parser.add_argument("--annotators", type=int, default=2_000)
    parser.add_argument(
        "--repeat", type=int, default=3, help="Rounds, interleaved; medians are reported."
    )
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database.")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("DATABASE_URL must point at PostgreSQL (e.g. postgres://root@127.0.0.1:5432/root)")
        return 2
    admin = _admin_connect(url)
    scratch = _scratch_name(url)
    admin.execute(f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)")  # type: ignore[attr-defined]
    admin.execute(f"CREATE DATABASE {scratch}")  # type: ignore[attr-defined]
    os.environ["DATABASE_URL"] = _scratch_url(url)
    os.environ.pop("REDIS_URL", None)  # jobs the recompute queues run in process
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    sys.path.insert(0, str(ROOT))
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection

        from articles.models import Annotation, Consensus
        from articles.services.consensus import consensus_full_recompute

        call_command("migrate", verbosity=0)
        t0 = time.perf_counter()
        n_generated = _generate(args.annotations, args.claims, args.annotators)
        print(
            f"generated {n_generated:,} annotations on {args.claims:,} claims by "
            f"{args.annotators:,} annotators in {time.perf_counter() - t0:.1f} s"
        )
        threshold = settings.FACTCHECK_CONSENSUS_THRESHOLD
        runs: dict[str, list[float]] = {
            "copy out": [],
            "copy in": [],
            "first": [],
            "re-run": [],
            "rule changed": [],
            "one rating changed": [],
        }
        written: dict[str, int] = {}
        size = 0
        payload = b""
        for _ in range(args.repeat):
            settings.FACTCHECK_CONSENSUS_THRESHOLD = threshold
            with connection.cursor() as cursor:
                cursor.execute("CHECKPOINT")
            seconds, size = _time_copy_out()
            runs["copy out"].append(seconds)
            with connection.cursor() as cursor:
                cursor.execute(
                    "TRUNCATE articles_consensus, articles_annotatorreliability, "
                    "articles_consensusrun"
                )
                cursor.execute("CHECKPOINT")
            for name, change in (
                ("first", None),
                ("re-run", None),
                ("rule changed", "threshold"),
                ("one rating changed", "annotation"),
            ):
                flipped = None
                if change == "threshold":
                    # A changed decision rule changes every row's parameters: all rewritten.
                    settings.FACTCHECK_CONSENSUS_THRESHOLD = threshold - 0.05
                elif change == "annotation":
                    flipped = _flip_one_annotation()
                with connection.cursor() as cursor:
                    cursor.execute("CHECKPOINT")
                start = time.perf_counter()
                result = consensus_full_recompute()
                runs[name].append(time.perf_counter() - start)
                written[name] = int(result["written"])
                if flipped is not None:
                    Annotation.objects.filter(pk=flipped[0]).update(label=flipped[1])
                if name == "first":
                    if Consensus.objects.count() != args.claims:
                        print("error: not every claim got a consensus row")
                        return 1
                    if not payload:
                        payload = _consensus_rows_binary()
                    runs["copy in"].append(_time_copy_in(payload))

        def median(name: str) -> float:
            return float(np.median(runs[name]))

        each = f"median of {args.repeat}"
        floor = median("copy out") + median("copy in")
        print(
            f"floor     binary COPY out, 3 columns:  {median('copy out'):7.3f} s  {each} "
            f"({size / 1e6:.0f} MB)"
        )
        print(f"floor     binary COPY in, {args.claims:,} rows: {median('copy in'):7.3f} s  {each}")
        for name in ("first", "re-run", "rule changed", "one rating changed"):
            print(
                f"ours      full recompute, {name + ':':20} {median(name):7.3f} s  {each} "
                f"({written[name]:,} rows written)"
            )
        ratio = median("first") / floor
        rewrite_ratio = median("rule changed") / floor
        print(
            f"ratio first run / floor (out + in of {args.claims:,} rows): {ratio:.2f}x "
            f"(target <= {TARGET_RATIO:.1f}x)"
        )
        print(
            f"ratio rule changed / floor (same rows written): {rewrite_ratio:.2f}x "
            f"(target <= {TARGET_RATIO:.1f}x)"
        )
        print(
            f"one rating changed: {written['one rating changed']:,} of {args.claims:,} rows "
            "rewritten (rows whose shown output changed)"
        )
        connection.close()
        return 0 if max(ratio, rewrite_ratio) <= TARGET_RATIO else 1
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            # WITH (FORCE): the connection pool may still hold sessions on it.
            admin.execute(f"DROP DATABASE IF EXISTS {scratch} WITH (FORCE)")  # type: ignore[attr-defined]


if __name__ == "__main__":
    sys.exit(main())
