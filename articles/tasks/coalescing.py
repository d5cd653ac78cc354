"""Coalescing of per-claim consensus jobs: a burst of ratings on one claim is one recompute.

A key per claim on the broker (Redis) says "a job for this claim is queued and has not started":
set (SET NX) when a job is queued, deleted when the job *starts*, before it reads the claim's
annotations. A change committed while the key exists needs no job of its own: the queued job has
not read anything yet, so it will read that change. A change committed after the job started
finds no key and queues a new job. The key expires (FACTCHECK_CONSENSUS_COALESCE_SECONDS) in case
its message is lost; the claim stays marked stale until a recompute succeeds, so the periodic
sweep catches such a claim up in any case.

Without a Redis broker (the embedded default runs jobs in process) nothing is coalesced.
"""

from __future__ import annotations

import functools
import logging
from typing import Literal

import redis
from celery import current_app
from django.conf import settings

logger = logging.getLogger(__name__)

KEY_PREFIX = "factcheck:consensus:queued:"

EnqueueResult = Literal["queued", "pending"]


def queued_key(claim_id: int) -> str:
    """The Redis key that marks a queued, not yet started job for `claim_id`."""
    return f"{KEY_PREFIX}{claim_id}"


@functools.lru_cache(maxsize=4)
def _client_for(url: str) -> redis.Redis:
    # Fail as fast as the broker connection does (CELERY_BROKER_CONNECTION_TIMEOUT).
    return redis.Redis.from_url(url, socket_connect_timeout=2.0, socket_timeout=2.0)


def _gate(*, enqueueing: bool) -> redis.Redis | None:
    """The broker's Redis when jobs go through one (and, to queue, coalescing is on); else None.
    Jobs always clear their key, so producers configured differently from workers stay correct.
    """
    app = current_app
    url = str(app.conf.broker_url or "")
    if app.conf.task_always_eager or not url.startswith(("redis://", "rediss://", "unix://")):
        return None
    if enqueueing and settings.FACTCHECK_CONSENSUS_COALESCE_SECONDS <= 0:
        return None
    return _client_for(url)


def claim_recompute_enqueue(claim_id: int) -> EnqueueResult:
    """Queue the recompute of one claim unless a job for it is queued and not yet started.

    Returns "queued" or "pending" (an earlier job will read the change). Raises what queueing
    raises (broker unreachable); the caller has marked the claim stale, so nothing is lost.
    If the coalescing key cannot be read, the job is queued anyway: a duplicate job is harmless.
    """
    from articles.tasks.consensus import claim_consensus_recompute_task

    gate = _gate(enqueueing=True)
    key = queued_key(claim_id)
    if gate is not None:
        try:
            first = gate.set(key, b"1", nx=True, ex=settings.FACTCHECK_CONSENSUS_COALESCE_SECONDS)
        except redis.RedisError:
            logger.warning("coalescing key for claim %s unavailable", claim_id, exc_info=True)
            gate = None
        else:
            if not first:
                return "pending"
    try:
        claim_consensus_recompute_task.delay(claim_id)
    except Exception:
        # No job was queued: a key left behind would hold back the next change's job.
        if gate is not None:
            try:
                gate.delete(key)
            except redis.RedisError:
                logger.warning("could not clear coalescing key of claim %s", claim_id)
        raise
    return "queued"


def claim_recompute_started(claim_id: int) -> None:
    """Called by the job before it reads anything: changes from now on queue a new job.

    Raises redis errors (transient: the job is retried) rather than run with the key still set,
    which would let later changes wait for the key to expire.
    """
    gate = _gate(enqueueing=False)
    if gate is not None:
        gate.delete(queued_key(claim_id))
