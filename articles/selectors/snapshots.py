"""Desk-wide figures that cost a scan of the big tables, kept in the cache with the time they
were counted, so a page visit reads them instead of scanning.

`snapshot(name, compute)` returns the cached value of `name` and its time, computing it on a
miss; `snapshot_refresh(name, compute)` recomputes now. The owners of each snapshot (the index's
desk counts, the overview's tallies) wrap these in their own functions, and the periodic job
`desk_snapshots_refresh_task` refreshes them all, so visitors rarely pay for a miss. Values live
for twice `FACTCHECK_DESK_COUNTS_SECONDS`, the job's period, so a late run does not send visitors
to the tables; pages say "as of" their time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

T = TypeVar("T")
_VERSION = 1


def snapshot_key(name: str) -> str:
    """One key per snapshot and database, so desks sharing a cache (tests, the benchmarks' two
    desks) never read each other's numbers."""
    return f"factcheck:snapshot:v{_VERSION}:{name}:{connection.settings_dict['NAME']}"


def snapshot_refresh(name: str, compute: Callable[[], T]) -> tuple[T, datetime]:
    """Compute snapshot `name` now and cache it; returns it with the time it was counted."""
    entry = (compute(), timezone.now())
    cache.set(snapshot_key(name), entry, timeout=2 * settings.FACTCHECK_DESK_COUNTS_SECONDS)
    return entry


def snapshot(name: str, compute: Callable[[], T]) -> tuple[T, datetime]:
    """Snapshot `name` and when it was counted: from the cache, or computed now on a miss."""
    entry = cache.get(snapshot_key(name))
    if isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[1], datetime):
        return entry[0], entry[1]
    return snapshot_refresh(name, compute)


def snapshots_forget(*names: str) -> None:
    """Drop the cached snapshots `names` (tests start without them)."""
    cache.delete_many([snapshot_key(name) for name in names])
