"""Counts for the desk's index page and navigation, by role.

An annotator's own counts are exact and cheap (their open assignments through the partial index
`assignment_open_idx`, their annotations through the annotator index). The editors' desk-wide
counts scan claims, annotations and assignments, so no visit counts them: a periodic job
(`desk_counts_refresh_task`, run by beat every `FACTCHECK_DESK_COUNTS_SECONDS`) recounts them
into the cache (Redis with real services) with the time they were counted, and pages show them
"as of" that time, however old. A visit counts only when the cache holds none (a new desk, a
flushed cache), or on the embedded desk, where Celery runs in process and no beat runs: there a
visit recounts counts older than the period (the embedded desk is small).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, F
from django.utils import timezone

from articles import roles
from articles.models import (
    Annotation,
    Article,
    Claim,
)
from articles.roles import AnyUser
from articles.selectors.outcomes import claims_ready_to_publish, contested_queue
from articles.selectors.queues import annotator_queue
from factcheck.celery import app as celery_app


def desk_counts_key() -> str:
    """The cache key of the desk-wide counts: one per database, so desks sharing a cache (tests,
    the page benchmark's two desks) never read each other's numbers."""
    return f"factcheck:desk-counts:v1:{connection.settings_dict['NAME']}"


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
    """Recount the desk-wide numbers now and cache them (until the next recount replaces them);
    returns them with the time counted. The periodic job's work."""
    entry = (_count_desk(), timezone.now())
    cache.set(desk_counts_key(), entry, timeout=None)
    return entry


def beat_refreshes_counts() -> bool:
    """Whether a periodic job recounts the desk-wide numbers: with real services (a broker,
    workers and beat), yes; when Celery runs tasks in process (the embedded desk), nothing
    does."""
    return not celery_app.conf.task_always_eager


def desk_wide_counts() -> tuple[dict[str, int], datetime]:
    """The desk-wide numbers and when they were counted, from the cache: never recounted by a
    visit while there are some (the periodic job replaces them), except on the embedded desk
    once they are older than `FACTCHECK_DESK_COUNTS_SECONDS`; counted now only when the cache
    holds none."""
    entry: Any = cache.get(desk_counts_key())
    if not (isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[1], datetime)):
        return desk_counts_refresh()
    counts, counted_at = entry
    period = timedelta(seconds=settings.FACTCHECK_DESK_COUNTS_SECONDS)
    if not beat_refreshes_counts() and timezone.now() - counted_at > period:
        return desk_counts_refresh()
    return counts, counted_at


def annotator_queue_count(*, user: AnyUser) -> int:
    """How many claims wait in `user`'s queue (exact; bounded by their open assignments)."""
    return annotator_queue(user=user).count()


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
