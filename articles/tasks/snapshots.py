"""The periodic recount of the desk-wide snapshots, so page visits read cached figures."""

from __future__ import annotations

from celery import shared_task

from articles.services.snapshots import desk_snapshots_refresh
from articles.tasks.transient import TRANSIENT_ERRORS


@shared_task(
    name="articles.tasks.desk_snapshots_refresh_task",
    ignore_result=True,
    # Periodic and idempotent: a lost run is replaced by the next one, so it is acknowledged on
    # receipt and never redelivered behind a newer run.
    acks_late=False,
    autoretry_for=TRANSIENT_ERRORS,
    max_retries=1,
)
def desk_snapshots_refresh_task() -> dict[str, str]:
    """Recount the index's desk counts and the overview's tallies."""
    return desk_snapshots_refresh()
