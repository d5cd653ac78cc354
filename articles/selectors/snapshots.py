"""Desk-wide figures that cost a scan of the big tables, kept in the cache with the time they
were counted, so that no page visit pays for them.

`snapshot(name, compute)` returns the cached value of `name` and its time; `snapshot_refresh`
recounts it now. The owners of each snapshot (the index's desk counts, the overview's tallies,
the annotators' screening) wrap these in their own functions, and the periodic job
`desk_snapshots_refresh_task`, run by beat every `FACTCHECK_DESK_COUNTS_SECONDS`, recounts them
all; a value stays until the next recount replaces it, and pages show it "as of" its time. A
visit counts only when the cache holds none (a new desk, a flushed cache), or on the embedded
desk, where Celery runs in process and no beat runs: there a visit recounts a value older than
the period (the embedded desk is small).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from factcheck.celery import app as celery_app

T = TypeVar("T")
_VERSION = 1


def snapshot_key(name: str) -> str:
    """One key per snapshot and database, so desks sharing a cache (tests, the benchmarks' two
    desks) never read each other's numbers."""
    return f"factcheck:snapshot:v{_VERSION}:{name}:{connection.settings_dict['NAME']}"


def beat_refreshes_snapshots() -> bool:
    """Whether a periodic job recounts the snapshots: with real services (a broker, workers and
    beat), yes; when Celery runs tasks in process (the embedded desk), nothing does."""
    return not celery_app.conf.task_always_eager


def snapshot_refresh(name: str, compute: Callable[[], T]) -> tuple[T, datetime]:
    """Compute snapshot `name` now and cache it until the next recount replaces it; returns it
    with the time it was counted."""
    entry = (compute(), timezone.now())
    cache.set(snapshot_key(name), entry, timeout=None)
    return entry


def snapshot(name: str, compute: Callable[[], T]) -> tuple[T, datetime]:
    """Snapshot `name` and when it was counted (see the module docstring for how fresh)."""
    entry = cache.get(snapshot_key(name))
    if not (isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[1], datetime)):
        return snapshot_refresh(name, compute)
    value, counted_at = entry
    period = timedelta(seconds=settings.FACTCHECK_DESK_COUNTS_SECONDS)
    if not beat_refreshes_snapshots() and timezone.now() - counted_at > period:
        return snapshot_refresh(name, compute)
    return value, counted_at


def snapshots_forget(*names: str) -> None:
    """Drop the cached snapshots `names` (tests start without them)."""
    cache.delete_many([snapshot_key(name) for name in names])
