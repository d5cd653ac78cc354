"""The verdict export over real HTTP against PostgreSQL's COPY of the same rows, and the server's
memory at 20k and at 200k rows.

    DATABASE_URL=postgres://USER@HOST:5432/DB python benchmarks/api_export.py [--verdicts 200000]

Creates a scratch database beside the one in DATABASE_URL (its name plus `_bench_export`),
migrates it, bulk-creates one article, the claims and one published verdict per claim, then
serves the desk with gunicorn (one sync worker) on 127.0.0.1 and times in the same run,
interleaved, best of --rounds:
  * baseline: `COPY (<the export's own SELECT>) TO STDOUT WITH CSV` read to the end;
  * ours: GET /api/v1/verdicts/?format=csv and ?format=jsonl with a token, read to the end (on
    PostgreSQL the export is itself a COPY of that SELECT, each column formatted in SQL).
It also samples the worker's resident memory while it streams the 20k newest verdicts and while
it streams all of them. Prints the figures; exits 1 when either format is below 0.5x COPY's
throughput or the peak memory grows by 20 MB or more between 20k and all rows.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET_THROUGHPUT = 0.5
TARGET_MEMORY_MB = 20.0
SMALL = 20_000


def _generate(n: int) -> str:
    """Fill the scratch database; return an API token key of an editor."""
    from django.contrib.auth.models import Group, User
    from django.utils import timezone

    from articles import roles
    from articles.models import Article, Claim, ClaimAppearance, Label, Verdict
    from articles.services.tokens import api_token_issue

    editor = User.objects.create_user("bench-editor", password=None, is_staff=True)
    editor.groups.add(Group.objects.get(name=roles.EDITORS))
    article = Article.objects.create(
        title="Benchmark article",
        body="A claim about Twitter data. " * 4,
        raw="-",
        source_format="text",
        content_hash="0" * 64,
        url="https://news.example.org/bench",
        publisher="Bench Ledger",
    )
    labels = Label.values
    now = timezone.now()
    batch = 10_000
    for start in range(0, n, batch):
        size = min(batch, n - start)
        claims = Claim.objects.bulk_create(
            Claim(
                text=f"Claim number {start + i}: the API fee is ${(start + i) % 997} a month",
                claimant="Elon Musk" if i % 2 else "Satya Nadella",
                status=Claim.Status.PUBLISHED,
            )
            for i in range(size)
        )
        ClaimAppearance.objects.bulk_create(
            ClaimAppearance(claim=claim, article=article, start=0, end=7, quote="A claim")
            for claim in claims
        )
        Verdict.objects.bulk_create(
            Verdict(
                claim=claim,
                version=1,
                label=labels[(start + i) % 3],
                consensus_label=labels[(start + i) % 3],
                consensus_status="settled",
                published_by=editor,
                published_at=now - timedelta(seconds=start + i),
            )
            for i, claim in enumerate(claims)
        )
    return api_token_issue(user=editor, name="bench").key


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(scratch: str, port: int) -> subprocess.Popen[bytes]:
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    env = {
        **os.environ,
        "DATABASE_URL": scratch,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "FACTCHECK_THROTTLE_EXPORT": "100000/minute",
        "FACTCHECK_THROTTLE_USER": "100000/minute",
        "REDIS_URL": "",
    }
    proc = subprocess.Popen(  # noqa: S603 - fixed argv
        [gunicorn, "factcheck.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--worker-class", "sync", "--timeout", "600", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/schema/", timeout=5)
            return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit("gunicorn did not start")


def _worker_pid(master: int) -> int:
    import psutil

    children = psutil.Process(master).children()
    if len(children) != 1:
        raise SystemExit(f"expected one gunicorn worker, found {len(children)}")
    return int(children[0].pid)


class PeakRss:
    """Samples a process's resident set size every few milliseconds while active."""

    def __init__(self, pid: int) -> None:
        import psutil

        self.process = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.005)

    def __enter__(self) -> PeakRss:
        self.peak = self.process.memory_info().rss
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()


def _fetch(url: str, key: str) -> tuple[float, int, int]:
    """Seconds to read the whole response, its bytes and lines."""
    request = urllib.request.Request(url, headers={"Authorization": f"Token {key}"})  # noqa: S310
    started = time.perf_counter()
    size = lines = 0
    with urllib.request.urlopen(request, timeout=600) as response:  # noqa: S310
        while chunk := response.read(1 << 16):
            size += len(chunk)
            lines += chunk.count(b"\n")
    return time.perf_counter() - started, size, lines


def _copy(sql: str, params: tuple[Any, ...]) -> tuple[float, int, int]:
    from django.db import connection

    started = time.perf_counter()
    size = lines = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor
        with raw.copy(f"COPY ({sql}) TO STDOUT WITH CSV HEADER", params) as copy:
            for chunk in copy:
                size += len(chunk)
                lines += bytes(chunk).count(b"\n")
    return time.perf_counter() - started, size, lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--verdicts", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL server")
    sys.path.insert(0, str(ROOT))
    from benchmarks.workers import scratch_recreate, scratch_url

    scratch = scratch_url(url, "export")
    scratch_recreate(url, scratch)
    os.environ["DATABASE_URL"] = scratch
    os.environ["REDIS_URL"] = ""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    import django

    django.setup()
    from django.contrib.auth.models import AnonymousUser
    from django.core.management import call_command

    from articles.selectors.exports import verdict_export_values, verdicts_for_api

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    key = _generate(args.verdicts)
    print(f"generated {args.verdicts} published verdicts in {time.perf_counter() - started:.1f} s")

    # The same SELECT the export runs (its rows, columns and order), for COPY.
    qs = verdicts_for_api(user=AnonymousUser(), public=True, with_appearances=False)
    sql, params = verdict_export_values(qs).query.sql_with_params()

    port = _free_port()
    server = _start_server(scratch, port)
    try:
        worker = _worker_pid(server.pid)
        base = f"http://127.0.0.1:{port}/api/v1/verdicts/"
        best: dict[str, float] = {}
        sizes: dict[str, tuple[int, int]] = {}
        for _ in range(args.rounds):
            for name in ("copy", "csv", "jsonl"):
                if name == "copy":
                    seconds, size, lines = _copy(sql, tuple(params))
                else:
                    seconds, size, lines = _fetch(f"{base}?format={name}", key)
                best[name] = min(best.get(name, seconds), seconds)
                sizes[name] = (size, lines)
        for name in ("copy", "csv", "jsonl"):
            size, lines = sizes[name]
            print(
                f"{name:>5}: {best[name]:.3f} s best of {args.rounds}, {lines} lines, "
                f"{size / 1e6:.1f} MB, {lines / best[name]:,.0f} rows/s"
            )
        ratios = {name: best["copy"] / best[name] for name in ("csv", "jsonl")}
        for name, ratio in ratios.items():
            print(f"{name} throughput = {ratio:.2f}x COPY (target >= {TARGET_THROUGHPUT}x)")

        # Memory: a fresh look at the worker while it streams 20k rows, then all of them.
        from django.utils.http import urlencode

        newest = list(qs.values_list("published_at", flat=True)[SMALL - 1 : SMALL])
        small_query = urlencode({"published_after": newest[0].isoformat()}) if newest else ""
        peaks: dict[str, dict[str, float]] = {}
        for name in ("csv", "jsonl"):
            peaks[name] = {}
            for label, query in (("20k", small_query), ("all", "")):
                with PeakRss(worker) as sampler:
                    _fetch(f"{base}?format={name}&{query}", key)
                peaks[name][label] = sampler.peak / 2**20
            growth = peaks[name]["all"] - peaks[name]["20k"]
            print(
                f"{name} worker peak RSS: {peaks[name]['20k']:.1f} MB at 20k rows, "
                f"{peaks[name]['all']:.1f} MB at {args.verdicts} rows "
                f"(+{growth:.1f} MB, target < {TARGET_MEMORY_MB} MB)"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    failed = any(r < TARGET_THROUGHPUT for r in ratios.values()) or any(
        p["all"] - p["20k"] >= TARGET_MEMORY_MB for p in peaks.values()
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
