"""The periodic recount of the desk-wide snapshots, so page visits read cached figures."""

from __future__ import annotations

from celery import shared_task

from articles.services import snapshots as snapshot_services
from articles.tasks.transient import TRANSIENT_ERRORS


@shared_task(
    name="articles.tasks.desk_snapshots_refresh_task",
    ignore_result=True,
    # Periodic and idempotent: a lost run is replaced by the next one (beat's entry also drops a
    # run still queued when the next is due), so it is acknowledged on receipt.
    acks_late=False,
    autoretry_for=TRANSIENT_ERRORS,
    max_retries=1,
)
def desk_snapshots_refresh_task() -> dict[str, str]:
    """Recount the index's desk counts and the overview's tallies."""
    return snapshot_services.desk_snapshots_refresh()
