"""Refreshing the desk-wide snapshots (cached counts that pages read instead of scanning)."""

from __future__ import annotations

from articles.selectors.counts import desk_counts_refresh
from articles.selectors.dashboards import overview_tallies_refresh


def desk_snapshots_refresh() -> dict[str, str]:
    """Recount every desk-wide snapshot now: the index's desk counts and the overview's tallies.
    Returns when each was counted (ISO 8601)."""
    _, counts_at = desk_counts_refresh()
    _, tallies_at = overview_tallies_refresh()
    return {"desk_counts": counts_at.isoformat(), "overview": tallies_at.isoformat()}
