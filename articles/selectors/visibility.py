"""Role-filtered querysets: what each user may read, by `articles.roles.outcome_scope`.

Blind annotation is enforced here for every reader (admin, dashboards, API): an annotator's
querysets never carry annotation, consensus or verdict data of a claim they have not rated, so
the data never leaves the database.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Exists, OuterRef, QuerySet

from articles import roles
from articles.models import Annotation, Assignment, Consensus, Verdict
from articles.roles import AnyUser, OutcomeScope


def rated_by(user: AnyUser, *, claim_ref: str = "pk") -> Exists:
    """`EXISTS` the user's own annotation of the claim at `claim_ref` (an outer field name)."""
    return Exists(Annotation.objects.filter(claim_id=OuterRef(claim_ref), annotator_id=user.pk))


def claim_outcome_visible(*, user: AnyUser, claim_id: int) -> bool:
    """May `user` see the outcome (consensus, probabilities, others' ratings, verdicts) of this
    claim? `roles.outcome_scope` decides; for blind users, whether they have rated it."""
    scope = roles.outcome_scope(user)
    if scope is not OutcomeScope.RATED:
        return scope is OutcomeScope.ALL
    return Annotation.objects.filter(claim_id=claim_id, annotator_id=user.pk).exists()


_ClaimRowT = TypeVar("_ClaimRowT", Consensus, Verdict)


def visible_claim_outcomes(qs: QuerySet[_ClaimRowT], *, user: AnyUser) -> QuerySet[_ClaimRowT]:
    """The rows of `qs` (consensus or verdict rows, keyed by claim) that `user` may see."""
    scope = roles.outcome_scope(user)
    if scope is OutcomeScope.ALL:
        return qs
    if scope is OutcomeScope.RATED:
        return qs.filter(rated_by(user, claim_ref="claim_id"))
    return qs.none()


def annotations_for_user(*, user: AnyUser) -> QuerySet[Annotation]:
    """Editors: every annotation. Annotators: only their own. Anyone else: none."""
    qs = Annotation.objects.select_related("claim", "annotator")
    if roles.is_editor(user):
        return qs
    if roles.is_annotator(user):
        return qs.filter(annotator_id=user.pk)
    return qs.none()


def assignments_for_user(*, user: AnyUser) -> QuerySet[Assignment]:
    """Editors: every assignment. Annotators: their own. Anyone else: none."""
    qs = Assignment.objects.select_related("claim", "annotator", "assigned_by")
    if roles.is_editor(user):
        return qs
    if roles.is_annotator(user):
        return qs.filter(annotator_id=user.pk)
    return qs.none()


def verdicts_visible(
    qs: QuerySet[Verdict], *, user: AnyUser, public: bool = False
) -> QuerySet[Verdict]:
    """The verdict rows of `qs` that `user` may read. With `public` (the
    FACTCHECK_API_PUBLIC_VERDICTS setting), published verdicts are public: anyone outside the
    desk's roles (anonymous included) reads every one. Desk roles follow `outcome_scope`, so a
    blind annotator still sees only verdicts of claims they have rated."""
    if public and roles.outcome_scope(user) is OutcomeScope.NONE:
        return qs
    return visible_claim_outcomes(qs, user=user)
