"""Counts for the desk's index page, by role."""

from __future__ import annotations

from django.db.models import (
    Count,
    F,
)

from articles import roles
from articles.models import (
    Annotation,
    Article,
    Claim,
)
from articles.roles import AnyUser
from articles.selectors.outcomes import claims_ready_to_publish, contested_queue
from articles.selectors.queues import annotator_queue


def desk_counts(*, user: AnyUser) -> dict[str, int]:
    """Numbers for the admin index cards, by role."""
    counts: dict[str, int] = {}
    if roles.is_annotator(user):
        counts["my_queue"] = annotator_queue(user=user).count()
        counts["my_done"] = Annotation.objects.filter(annotator_id=user.pk).count()
    if roles.is_editor(user):
        counts["contested"] = contested_queue().count()
        counts["ready"] = claims_ready_to_publish().count()
        counts["unassigned"] = (
            Claim.objects.filter(status=Claim.Status.OPEN)
            .annotate(n_assigned=Count("assignments"))
            .filter(n_assigned__lt=F("required_annotations"))
            .count()
        )
        counts["articles"] = Article.objects.count()
        counts["open_claims"] = Claim.objects.filter(status=Claim.Status.OPEN).count()
    if roles.sees_all_outcomes(user):
        counts["published"] = Claim.objects.filter(status=Claim.Status.PUBLISHED).count()
    return counts
