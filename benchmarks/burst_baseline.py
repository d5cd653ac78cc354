"""The desk's consensus jobs as they were before sweeps, kept as the benchmarks' baseline: one job
per claim, queued when a change commits unless a job for that claim is queued and not started
(a key per claim on the broker, cleared when the job starts), each recomputing its one claim.

The benchmarks start their Celery worker with `-I benchmarks.burst_baseline` to register the
job, and route saves to it with `per_claim_jobs()` (in process) or `install()` (a web server's
worker, see benchmarks/gunicorn_bench.py).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import redis
from celery import current_app, shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from articles.models import Claim
from articles.services import consensus as consensus_services

KEY_PREFIX = "factcheck:bench:claim-queued:"


@functools.lru_cache(maxsize=2)
def _gate(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=2.0, socket_timeout=2.0)


@shared_task(name="benchmarks.burst_baseline.claim_job", ignore_result=True, acks_late=True)
def claim_job(claim_id: int) -> dict[str, Any]:
    """Recompute one claim, after clearing its key (a change from now on queues a new job)."""
    _gate(str(current_app.conf.broker_url)).delete(f"{KEY_PREFIX}{claim_id}")
    return consensus_services.claim_consensus_recompute(claim_id=claim_id)


def _enqueue(claim_id: int) -> None:
    gate = _gate(str(current_app.conf.broker_url))
    coalesce = int(settings.FACTCHECK_CONSENSUS_COALESCE_SECONDS)
    if coalesce > 0 and not gate.set(f"{KEY_PREFIX}{claim_id}", b"1", nx=True, ex=coalesce):
        return
    claim_job.delay(claim_id)


def _schedule(*, claim_id: int) -> None:
    Claim.objects.filter(pk=claim_id).update(
        consensus_stale=True,
        consensus_version=F("consensus_version") + 1,
        updated_at=timezone.now(),
    )
    transaction.on_commit(lambda: _enqueue(claim_id))


def install() -> Callable[[], None]:
    """From now on, saves made through `annotation_submit` in this process queue per-claim jobs
    instead of sweeps. Returns the function that puts sweeps back."""
    from articles.services import annotations

    # `annotation_submit` calls the name it imported; swap what that name holds.
    name = "claim_consensus_schedule"
    saved = getattr(annotations, name)
    setattr(annotations, name, _schedule)
    return lambda: setattr(annotations, name, saved)


@contextmanager
def per_claim_jobs() -> Iterator[None]:
    """Within the block, saves made in this process queue per-claim jobs instead of sweeps."""
    restore = install()
    try:
        yield
    finally:
        restore()
