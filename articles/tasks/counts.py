"""The desk-wide counts of the admin index and the adjudication queue, recounted by beat every
`FACTCHECK_DESK_COUNTS_SECONDS` so that no page visit pays for them (`selectors.counts`)."""

from __future__ import annotations

from celery import shared_task

from articles.selectors import counts as count_selectors
from articles.tasks.transient import TRANSIENT_ERRORS


@shared_task(
    name="articles.tasks.desk_counts_refresh_task",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=3,
)
def desk_counts_refresh_task() -> dict[str, int]:
    """Recount the desk-wide numbers into the cache; returns them."""
    counts, _ = count_selectors.desk_counts_refresh()
    return counts
