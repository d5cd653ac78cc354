"""Counts for the desk's index page and navigation, by role.

An annotator's own counts are exact and cheap (their open assignments through the partial index
`assignment_open_idx`, their annotations through the annotator index). The editors' desk-wide
counts scan claims, annotations and assignments, so they are a cached snapshot
(`articles.selectors.snapshots`, Redis with real services) recounted by the periodic job, with
the time they were counted; the page says "as of" that time. `desk_counts_refresh` recounts now.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, F

from articles import roles
from articles.models import (
    Annotation,
    Article,
    Claim,
)
from articles.roles import AnyUser
from articles.selectors.outcomes import claims_ready_to_publish, contested_queue
from articles.selectors.queues import annotator_open_assignments
from articles.selectors.snapshots import snapshot, snapshot_refresh

DESK_COUNTS_SNAPSHOT = "desk-counts"


# The desk-wide counts, in the order they are computed.
DESK_WIDE_KEYS = ("contested", "ready", "unassigned", "articles", "open_claims", "published")


def _count_desk() -> dict[str, int]:
    return {
        "contested": contested_queue(for_total=True).count(),
        "ready": claims_ready_to_publish(for_total=True).count(),
        "unassigned": (
            Claim.objects.filter(status=Claim.Status.OPEN)
            .annotate(n_assigned=Count("assignments"))
            .filter(n_assigned__lt=F("required_annotations"))
            .count()
        ),
        "articles": Article.objects.count(),
        "open_claims": Claim.objects.filter(status=Claim.Status.OPEN).count(),
        "published": Claim.objects.filter(status=Claim.Status.PUBLISHED).count(),
    }


def desk_counts_refresh() -> tuple[dict[str, int], datetime]:
    """Recount the desk-wide numbers now and cache them; returns them with the time counted."""
    return snapshot_refresh(DESK_COUNTS_SNAPSHOT, _count_desk)


def desk_wide_counts() -> tuple[dict[str, int], datetime]:
    """The desk-wide numbers and when they were counted: from the cached snapshot (refreshed by
    the periodic job), or counted now on a miss."""
    return snapshot(DESK_COUNTS_SNAPSHOT, _count_desk)


def annotator_queue_count(*, user: AnyUser) -> int:
    """How many claims wait in `user`'s queue (exact; bounded by their open assignments)."""
    return annotator_open_assignments(user=user).count()


def desk_counts(*, user: AnyUser) -> dict[str, int]:
    """Numbers for the admin index cards, by role (see the module docstring for how fresh the
    desk-wide ones are: `desk_counted_at` gives their time)."""
    counts: dict[str, int] = {}
    if roles.is_annotator(user):
        counts["my_queue"] = annotator_queue_count(user=user)
        counts["my_done"] = Annotation.objects.filter(annotator_id=user.pk).count()
    if roles.is_editor(user) or roles.sees_all_outcomes(user):
        wide, _ = desk_wide_counts()
        if roles.is_editor(user):
            counts.update({key: wide[key] for key in DESK_WIDE_KEYS if key != "published"})
        if roles.sees_all_outcomes(user):
            counts["published"] = wide["published"]
    return counts


def desk_counted_at(*, user: AnyUser) -> datetime | None:
    """When the desk-wide numbers `user` sees were counted (None if they see none)."""
    if roles.is_editor(user) or roles.sees_all_outcomes(user):
        return desk_wide_counts()[1]
    return None
