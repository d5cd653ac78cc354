"""Consensus jobs. Idempotent: each recomputes from the current annotations and writes only when
the inputs' fingerprint changed, so at-least-once delivery (acks_late) is harmless."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from articles.services import consensus as consensus_services
from articles.tasks.coalescing import claim_recompute_started
from articles.tasks.transient import TRANSIENT_ERRORS

logger = logging.getLogger(__name__)


@shared_task(
    name="articles.tasks.claim_consensus_recompute_task",
    # Nobody waits for a save's job: its result is the Consensus row. Without a result to keep,
    # queueing it never touches the result backend, so the job goes out when only that is down.
    ignore_result=True,
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=8,
)
def claim_consensus_recompute_task(claim_id: int) -> dict[str, Any]:
    """Recompute one claim's consensus with the current annotator reliabilities. Clears the
    claim's coalescing key first, so a change committed from now on queues a job of its own."""
    claim_recompute_started(claim_id)
    return consensus_services.claim_consensus_recompute(claim_id=claim_id)


@shared_task(
    name="articles.tasks.claims_stale_recompute_task",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=3,
)
def claims_stale_recompute_task() -> dict[str, Any]:
    """Periodic sweep: recompute claims whose job could not be queued or did not finish."""
    return consensus_services.claims_stale_recompute()


@shared_task(
    name="articles.tasks.consensus_full_recompute_task",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=3,
)
def consensus_full_recompute_task() -> dict[str, Any]:
    """Re-estimate reliabilities (Dawid-Skene over all annotations) and rewrite every claim's
    consensus in bulk, logging each stage (the run itself is recorded as a ConsensusRun)."""

    def report(stage: str, done: int, total: int) -> None:
        logger.info("full consensus recompute: %s (%s of %s)", stage, done, total)

    return consensus_services.consensus_full_recompute(progress=report)
