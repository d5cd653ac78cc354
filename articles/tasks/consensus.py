"""Consensus jobs.

The sweep is short and idempotent (it recomputes from the current annotations and writes only
when the inputs' fingerprint changed), so it is acknowledged after it runs: a worker that dies
under it loses nothing, the broker hands it out again. The full recompute is long, so it is
acknowledged when it starts (never handed to a second worker while it runs, however long it
takes) and is recovered by its own schedule: beat queues one every hour. See the Celery
settings for the timings.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.conf import settings

from articles.services import consensus as consensus_services
from articles.services.joblocks import JobKind, job_lock
from articles.tasks.coalescing import sweep_request, sweep_started
from articles.tasks.transient import TRANSIENT_ERRORS

logger = logging.getLogger(__name__)


@shared_task(
    name="articles.tasks.claims_stale_recompute_task",
    # Nobody waits for a sweep's result: it is in the Consensus rows. Without a result to keep,
    # queueing it never touches the result backend, so it goes out when only that is down.
    ignore_result=True,
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=settings.FACTCHECK_JOB_RETRY_BACKOFF_MAX_SECONDS,
    max_retries=8,
)
def claims_stale_recompute_task() -> dict[str, Any]:
    """Recompute the claims marked stale, in batches, for at most the sweep's time budget; queue
    the next sweep if some remain. Queued after each change commits (coalesced) and by beat.
    Clears the coalescing key first, so a change committed from now on queues a sweep of its
    own."""
    sweep_started()
    result = consensus_services.claims_stale_recompute()
    if result.more:
        sweep_request()
    return result.as_json()


@shared_task(
    name="articles.tasks.consensus_full_recompute_task",
    acks_late=False,
    time_limit=settings.FACTCHECK_LONG_JOB_TIME_LIMIT,
    soft_time_limit=settings.FACTCHECK_LONG_JOB_TIME_LIMIT - 60,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=settings.FACTCHECK_JOB_RETRY_BACKOFF_MAX_SECONDS,
    max_retries=3,
)
def consensus_full_recompute_task() -> dict[str, Any]:
    """Re-estimate reliabilities (Dawid-Skene over all annotations) and rewrite every claim's
    consensus in bulk, logging each stage (the run itself is recorded as a ConsensusRun). Two
    never run at once: a run queued while another is running (an editor's request during the
    hourly run) is skipped."""

    def report(stage: str, done: int, total: int) -> None:
        logger.info("full consensus recompute: %s (%s of %s)", stage, done, total)

    with job_lock(JobKind.FULL_RECOMPUTE) as mine:
        if not mine:
            logger.info("full consensus recompute skipped: another one is running")
            return {"skipped": "another full recompute is running"}
        return consensus_services.consensus_full_recompute(progress=report)
