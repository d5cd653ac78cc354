"""Imported by the benchmarks' workers and servers (`celery worker -I benchmarks.bench_queue`,
benchmarks/gunicorn_bench.py): the jobs they send go to the benchmark's own queue, BENCH_QUEUE,
the one its worker consumes (a sweep's follow-up included), not to the default queue."""

from __future__ import annotations

import os

from factcheck.celery import app

if os.environ.get("BENCH_QUEUE"):
    app.conf.task_default_queue = os.environ["BENCH_QUEUE"]
