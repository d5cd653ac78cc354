"""gunicorn settings for the benchmarks' servers (`gunicorn -c python:benchmarks.gunicorn_bench`):
each worker sends its jobs to the benchmark's own queue (BENCH_QUEUE), and with BENCH_PER_CLAIM=1
its saves queue the baseline's per-claim jobs instead of sweeps (benchmarks/burst_baseline.py)."""

from __future__ import annotations

import os
from typing import Any


def post_worker_init(worker: Any) -> None:
    import benchmarks.bench_queue  # noqa: F401 - sends the jobs to BENCH_QUEUE

    if os.environ.get("BENCH_PER_CLAIM") == "1":
        from benchmarks.burst_baseline import install

        install()
