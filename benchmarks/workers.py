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


def stop_worker(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
