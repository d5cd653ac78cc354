"""Reads of claims: the admin's role-aware claim list, search, and one claim for its screens."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from articles import roles
from articles.models import (
    Annotation,
    Assignment,
    Claim,
    ClaimAppearance,
    Verdict,
)
from articles.roles import AnyUser
from articles.selectors.outcomes import standing_verdict_label
from articles.selectors.visibility import rated_by


def claims_for_user(*, user: AnyUser) -> QuerySet[Claim]:
    """Claims as the admin lists them for `user`, with role-appropriate annotations.

    Everyone who may see claims gets `n_appearances`, `assigned_to_me` and `my_label` (their
    own annotation's label, "" if none). Editors and viewers also get `n_annotations`,
    `consensus_label`, `consensus_status`, `consensus_agreement` and `verdict_label` (the
    current published verdict's label, "" if none). For blind users these five are computed
    only for claims they have rated (NULL/"" otherwise), so the data never leaves the database.
    """
    my_label = Subquery(
        Annotation.objects.filter(claim_id=OuterRef("pk"), annotator_id=user.pk).values("label")[:1]
    )
    n_appearances = Subquery(
        ClaimAppearance.objects.filter(claim_id=OuterRef("pk"))
        .order_by()
        .values("claim_id")
        .annotate(n=Count("id"))
        .values("n"),
        output_field=IntegerField(),
    )
    n_annotations = Subquery(
        Annotation.objects.filter(claim_id=OuterRef("pk"))
        .order_by()
        .values("claim_id")
        .annotate(n=Count("id"))
        .values("n"),
        output_field=IntegerField(),
    )
    verdict_label = standing_verdict_label()
    qs = Claim.objects.annotate(
        assigned_to_me=Exists(
            Assignment.objects.filter(claim_id=OuterRef("pk"), annotator_id=user.pk)
        ),
        n_appearances=Coalesce(n_appearances, 0),
        my_label=Coalesce(my_label, Value(""), output_field=CharField()),
    )
    if not roles.sees_all_outcomes(user):
        seen = Q(annotated_by_me=True)
        return qs.annotate(
            annotated_by_me=rated_by(user),
            n_annotations=Case(When(seen, then=Coalesce(n_annotations, 0)), default=None),
            consensus_label=Case(
                When(seen, then=F("consensus__label")), default=Value(""), output_field=CharField()
            ),
            consensus_status=Case(
                When(seen, then=F("consensus__status")),
                default=Value(""),
                output_field=CharField(),
            ),
            consensus_agreement=Case(When(seen, then=F("consensus__agreement")), default=None),
            verdict_label=Case(
                When(seen, then=verdict_label), default=Value(""), output_field=CharField()
            ),
        )
    return qs.annotate(
        n_annotations=Coalesce(n_annotations, 0),
        consensus_label=Coalesce(F("consensus__label"), Value(""), output_field=CharField()),
        consensus_status=Coalesce(F("consensus__status"), Value(""), output_field=CharField()),
        consensus_agreement=F("consensus__agreement"),
        verdict_label=verdict_label,
    )


def claim_detail(*, claim_id: int) -> Claim:
    """One claim with its appearances (and their articles) loaded."""
    return Claim.objects.prefetch_related(
        Prefetch(
            "appearances",
            queryset=ClaimAppearance.objects.select_related("article").order_by(
                "article__published_at", "article_id", "start"
            ),
        )
    ).get(pk=claim_id)


def claim_adjudication(*, claim_id: int) -> Claim:
    """One claim for the adjudication screen (editors only): appearances, every annotation with
    its annotator and their reliability, the consensus and earlier verdicts."""
    return (
        Claim.objects.select_related("consensus")
        .prefetch_related(
            Prefetch(
                "appearances",
                queryset=ClaimAppearance.objects.select_related("article").order_by(
                    "article_id", "start"
                ),
            ),
            Prefetch(
                "annotations",
                queryset=Annotation.objects.select_related(
                    "annotator", "annotator__reliability"
                ).order_by("created_at", "id"),
            ),
            Prefetch(
                "verdicts",
                queryset=Verdict.objects.select_related("published_by").order_by("-version"),
            ),
            Prefetch(
                "assignments",
                queryset=Assignment.objects.select_related("annotator").order_by("created_at"),
            ),
        )
        .get(pk=claim_id)
    )


def claim_staffed_annotator_ids(*, claim_ids: list[int]) -> dict[int, set[int]]:
    """Per claim: the annotators who are assigned to it or have annotated it."""
    staffed: dict[int, set[int]] = defaultdict(set)
    for claim_id, annotator_id in Assignment.objects.filter(claim_id__in=claim_ids).values_list(
        "claim_id", "annotator_id"
    ):
        staffed[claim_id].add(annotator_id)
    for claim_id, annotator_id in Annotation.objects.filter(claim_id__in=claim_ids).values_list(
        "claim_id", "annotator_id"
    ):
        staffed[claim_id].add(annotator_id)
    return dict(staffed)
