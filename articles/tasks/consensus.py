"""Consensus jobs. Idempotent: each recomputes from the current annotations and writes only when
the inputs' fingerprint changed, so at-least-once delivery (acks_late) is harmless."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from articles.services import consensus as consensus_services
from articles.tasks.transient import TRANSIENT_ERRORS


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
    """Recompute one claim's consensus with the current annotator reliabilities."""
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
    bind=True,
    name="articles.tasks.consensus_full_recompute_task",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=3,
)
def consensus_full_recompute_task(self: Task[Any, Any]) -> dict[str, Any]:
    """Re-estimate reliabilities (Dawid-Skene over all annotations) and rewrite every claim's
    consensus in bulk, reporting progress in the task state."""

    def report(stage: str, done: int, total: int) -> None:
        if self.request.id:
            self.update_state(state="PROGRESS", meta={"stage": stage, "done": done, "total": total})

    return consensus_services.consensus_full_recompute(progress=report)
