"""Coalescing of consensus sweeps: a burst of ratings is a few batched recomputes, not a job each.

Every change a consensus depends on marks its claim stale in the change's own transaction (the
database holds the list of claims to recompute); once it commits, it asks for a sweep, the job
that recomputes every stale claim in batches (`claims_stale_recompute`).

A key on the broker (Redis) says "a sweep is queued and has not started": set (SET NX) when one
is queued, deleted when the sweep *starts*, before it reads any claim. A change committed while
the key exists needs no job of its own: the queued sweep has not read anything yet, so it will
find the change's claim stale. A change committed after the sweep started finds no key and
queues the next sweep. So under a burst one sweep runs while one more waits (beat's periodic
sweep aside), each taking every claim marked meanwhile in a few batched queries, however many
ratings arrive. The key expires (FACTCHECK_CONSENSUS_COALESCE_SECONDS) in case its
message is lost; the claims stay marked stale, so the periodic sweep (beat) catches them up.

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

QUEUED_KEY = "factcheck:consensus:sweep-queued"

EnqueueResult = Literal["queued", "pending"]


@functools.lru_cache(maxsize=4)
def _client_for(url: str) -> redis.Redis:
    # Fail as fast as the broker connection does (CELERY_BROKER_CONNECTION_TIMEOUT).
    return redis.Redis.from_url(url, socket_connect_timeout=2.0, socket_timeout=2.0)


def _gate(*, enqueueing: bool) -> redis.Redis | None:
    """The broker's Redis when jobs go through one (and, to queue, coalescing is on); else None.
    Sweeps always clear the key, so producers configured differently from workers stay correct.
    """
    app = current_app
    url = str(app.conf.broker_url or "")
    if app.conf.task_always_eager or not url.startswith(("redis://", "rediss://", "unix://")):
        return None
    if enqueueing and settings.FACTCHECK_CONSENSUS_COALESCE_SECONDS <= 0:
        return None
    return _client_for(url)


def sweep_request() -> EnqueueResult:
    """Queue a sweep of the stale claims unless one is queued and has not started.

    Returns "queued" or "pending" (the waiting sweep will find the change). Raises what
    queueing raises (broker unreachable); the caller's claims are marked stale, so nothing is
    lost. If the key cannot be read, the sweep is queued anyway: a second sweep is harmless.
    """
    from articles.tasks.consensus import claims_stale_recompute_task

    gate = _gate(enqueueing=True)
    if gate is not None:
        try:
            first = gate.set(
                QUEUED_KEY, b"1", nx=True, ex=settings.FACTCHECK_CONSENSUS_COALESCE_SECONDS
            )
        except redis.RedisError:
            logger.warning("consensus sweep coalescing key unavailable", exc_info=True)
            gate = None
        else:
            if not first:
                return "pending"
    try:
        claims_stale_recompute_task.delay()
    except Exception:
        # No sweep was queued: a key left behind would hold back the next change's sweep.
        if gate is not None:
            try:
                gate.delete(QUEUED_KEY)
            except redis.RedisError:
                logger.warning("could not clear the consensus sweep coalescing key")
        raise
    return "queued"


def sweep_started() -> None:
    """Called by the sweep before it reads anything: changes from now on queue the next one.

    Raises redis errors (transient: the job is retried) rather than run with the key still set,
    which would let later changes wait for the key to expire.
    """
    gate = _gate(enqueueing=False)
    if gate is not None:
        gate.delete(QUEUED_KEY)
