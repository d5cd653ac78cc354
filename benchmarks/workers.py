"""Real Celery worker processes for the benchmarks: started on a scratch database and a queue of
their own, waited for, stopped."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def start_worker(
    *,
    database_url: str,
    redis_url: str,
    queue: str,
    name: str,
    include: Sequence[str] = (),
    pool: str = "solo",
    concurrency: int = 1,
    env: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """A `celery worker` on `queue`, named `name@host`, its output discarded. The jobs it queues
    itself (a sweep's follow-up) go to `queue` too (benchmarks/bench_queue.py)."""
    celery_bin = shutil.which("celery", path=str(Path(sys.executable).parent)) or "celery"
    argv = [
        celery_bin, "-A", "factcheck", "worker", f"--pool={pool}", f"--concurrency={concurrency}",
        "--loglevel=WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat",
        "-n", f"{name}@%h", "-Q", queue,
    ]  # fmt: skip
    for module in ("benchmarks.bench_queue", *include):
        argv += ["-I", module]
    return subprocess.Popen(  # noqa: S603 - fixed argv
        argv,
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "BENCH_QUEUE": queue,
            **(env or {}),
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_ready(app: Any, proc: subprocess.Popen[bytes], name: str) -> None:
    """Block until the worker named `name` answers a ping (exit if it dies or takes 60 s)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the worker exited at start-up")
        replies = app.control.ping(timeout=1.0)
        if any(key.startswith(f"{name}@") for reply in replies for key in reply):
            return
    raise SystemExit("the worker did not answer a ping within 60 s")


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    """Stop a worker or server started by a benchmark: SIGTERM, then SIGKILL after 20 s."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class ServicesMissingError(Exception):
    """The environment names no PostgreSQL database or no loopback Redis to benchmark on."""


def real_services() -> tuple[str, str]:
    """`DATABASE_URL` (PostgreSQL) and `REDIS_URL` (Redis on the loopback interface) from the
    environment, for the benchmarks that run real workers.

    Raises:
        ServicesMissingError: with what is wrong, for the benchmark to print.
    """
    url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not url.startswith(("postgres://", "postgresql://")) or not redis_url:
        raise ServicesMissingError("DATABASE_URL must point at PostgreSQL and REDIS_URL at Redis")
    if urlsplit(redis_url).hostname not in {"127.0.0.1", "localhost", "::1"}:
        raise ServicesMissingError("REDIS_URL must be on the loopback interface")
    return url, redis_url


def scratch_url(url: str, suffix: str) -> str:
    """The scratch database `<name in url>_bench_<suffix>` beside the one in `url` (two people
    benchmarking on one server, each with their own database, never drop each other's)."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "factcheck"
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}_bench_{suffix}", parts.query, ""))


def scratch_prepare(suffix: str) -> tuple[str, str, str]:
    """The services in the environment (`real_services`) and a fresh scratch database
    `<name>_bench_<suffix>` beside the one in DATABASE_URL: (DATABASE_URL, REDIS_URL, scratch
    database URL). Drop it with `scratch_drop(url, scratch)` when done.

    Raises:
        ServicesMissingError: with what is wrong, for the benchmark to print.
    """
    url, redis_url = real_services()
    scratch = scratch_url(url, suffix)
    scratch_recreate(url, scratch)
    return url, redis_url, scratch


def scratch_recreate(url: str, scratch: str) -> None:
    """Drop (sessions included) and create the scratch database `scratch`, connected via `url`."""
    scratch_drop(url, scratch)
    _admin(url, f'CREATE DATABASE "{urlsplit(scratch).path.lstrip("/")}"')


def scratch_drop(url: str, scratch: str) -> None:
    """Drop the scratch database `scratch` if it exists, ending its sessions."""
    _admin(url, f'DROP DATABASE IF EXISTS "{urlsplit(scratch).path.lstrip("/")}" WITH (FORCE)')


def _admin(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement)
