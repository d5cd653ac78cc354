"""Reads of work queues: an annotator's assignments and the load of every annotator."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    Q,
    QuerySet,
)

from articles import roles
from articles.models import (
    Annotation,
    Assignment,
    Claim,
)
from articles.roles import AnyUser
from articles.selectors.outcomes import standing_verdict_label


def annotator_open_assignments(*, user: AnyUser) -> QuerySet[Assignment]:
    """The assignments of `user`'s queue, oldest first, without per-row counts: what counting
    the queue, finding its next claim or a claim's place in it needs."""
    return (
        Assignment.objects.filter(
            Assignment.open_q(),
            annotator_id=user.pk,
            claim__status=Claim.Status.OPEN,
        )
        .exclude(claim__annotations__annotator_id=user.pk)
        .order_by("created_at", "id")
    )


def annotator_queue(*, user: AnyUser) -> QuerySet[Assignment]:
    """The claims assigned to `user` that they have not annotated yet, oldest assignment first.
    Published claims drop out. Each row has `claim` loaded and `n_articles` annotated."""
    return (
        annotator_open_assignments(user=user)
        .select_related("claim")
        .annotate(n_articles=Count("claim__appearances__article", distinct=True))
    )


def annotator_queue_next(*, user: AnyUser, exclude_claim_id: int | None = None) -> int | None:
    """The id of the next claim in `user`'s queue (optionally skipping one), or None when it is
    empty."""
    qs = annotator_open_assignments(user=user)
    if exclude_claim_id is not None:
        qs = qs.exclude(claim_id=exclude_claim_id)
    return qs.values_list("claim_id", flat=True).first()


def annotator_done(*, user: AnyUser, limit: int = 20) -> QuerySet[Annotation]:
    """`user`'s own most recently changed annotations (for "recently done" on the queue), each
    with `verdict_label`: the claim's current published verdict ("" if none). The user rated
    these claims, so their verdicts are theirs to see."""
    return (
        Annotation.objects.filter(annotator_id=user.pk)
        .select_related("claim")
        .annotate(verdict_label=standing_verdict_label("claim_id"))
        .order_by("-updated_at", "-id")[:limit]
    )


def annotation_of(*, user: AnyUser, claim_id: int) -> Annotation | None:
    """`user`'s own annotation of the claim, if any."""
    return Annotation.objects.filter(claim_id=claim_id, annotator_id=user.pk).first()


def assignment_of(*, user: AnyUser, claim_id: int) -> Assignment | None:
    return Assignment.objects.filter(claim_id=claim_id, annotator_id=user.pk).first()


def _open_load() -> Count:
    """An annotator's load: their open assignments of claims not yet published."""
    return Count(
        "assignments",
        filter=Q(Assignment.open_q("assignments__"), assignments__claim__status=Claim.Status.OPEN),
        distinct=True,
    )


def annotator_open_load() -> dict[int, int]:
    """Every eligible annotator (active member of Annotators) → their open assignments
    (not completed, claim not published), ordered by load then id."""
    rows = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=roles.ANNOTATORS)
        .annotate(open_load=_open_load())
        .order_by("open_load", "id")
        .values_list("id", "open_load")
    )
    return dict(rows)


def annotators_with_load() -> QuerySet[Any]:
    """Eligible annotators as user rows annotated with `open_load` and `done`, least loaded first
    (for the hand-assignment form)."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=roles.ANNOTATORS)
        .annotate(
            open_load=_open_load(),
            done=Count("annotations", distinct=True),
        )
        .order_by("open_load", "id")
    )
