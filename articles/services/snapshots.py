"""Refreshing the desk-wide snapshots (cached counts that pages read instead of scanning)."""

from __future__ import annotations

from articles.selectors.counts import desk_counts_refresh
from articles.selectors.dashboards import annotators_screening_refresh, overview_tallies_refresh


def desk_snapshots_refresh() -> dict[str, str]:
    """Recount every desk-wide snapshot now: the index's desk counts, the overview's tallies and
    the annotators' screening. Returns when each was counted (ISO 8601)."""
    _, counts_at = desk_counts_refresh()
    _, tallies_at = overview_tallies_refresh()
    _, screened_at = annotators_screening_refresh()
    return {
        "desk_counts": counts_at.isoformat(),
        "overview": tallies_at.isoformat(),
        "annotators": screened_at.isoformat(),
    }
