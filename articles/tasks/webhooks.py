"""Webhook jobs: send one delivery, retrying with exponential backoff within a bounded window
(the service decides when to stop). Safe to redeliver: a delivered delivery is not sent again.

A retry waits out its countdown in the worker that holds its message, unacknowledged: the
countdown (at most FACTCHECK_WEBHOOK_BACKOFF_MAX_SECONDS) plus this job's time limit stay below
the broker's visibility timeout, or the waiting retry would be handed to a second worker
(articles.E009 checks it)."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from django.conf import settings

from articles.services import webhooks as webhook_services
from articles.tasks.transient import TRANSIENT_ERRORS


@shared_task(
    bind=True,
    name="articles.tasks.webhook_deliver_task",
    acks_late=True,
    # The database or broker failing under the job is retried like every task's; a receiver
    # that fails is retried on the service's own backoff below.
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=settings.FACTCHECK_JOB_RETRY_BACKOFF_MAX_SECONDS,
    max_retries=8,
)
def webhook_deliver_task(self: Task[Any, Any], delivery_id: int) -> dict[str, Any]:
    """POST one webhook delivery; on failure, retry after the backoff the service returns."""
    outcome = webhook_services.webhook_delivery_attempt(delivery_id=delivery_id)
    if outcome.retry_in is not None and not self.request.is_eager:
        raise self.retry(countdown=outcome.retry_in, max_retries=None)
    return {"delivery_id": delivery_id, "status": outcome.status}
