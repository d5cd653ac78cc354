"""The periodic recount of the desk-wide snapshots, so page visits read cached figures."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from articles.services import snapshots as snapshot_services
from articles.tasks.transient import TRANSIENT_ERRORS


@shared_task(
    name="articles.tasks.desk_snapshots_refresh_task",
    ignore_result=True,
    # A short job like the sweep: acknowledged after it runs (a recount lost with its worker is
    # done again), and beat's entry drops a run still queued when the next is due.
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=settings.FACTCHECK_JOB_RETRY_BACKOFF_MAX_SECONDS,
    max_retries=3,
)
def desk_snapshots_refresh_task() -> dict[str, str]:
    """Recount the desk counts, the overview's tallies and the annotators' screening."""
    return snapshot_services.desk_snapshots_refresh()
