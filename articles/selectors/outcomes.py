"""Reads of outcomes: consensus, verdicts and reliability rows as each user may see them, and
the editors' adjudication queues.
"""

from __future__ import annotations

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    Q,
    QuerySet,
    Value,
    When,
)

from articles import roles
from articles.models import (
    AnnotatorReliability,
    Claim,
    Consensus,
    ConsensusStatus,
    Verdict,
)
from articles.roles import AnyUser
from articles.selectors.visibility import visible_claim_outcomes


def claim_consensus(*, claim_id: int) -> Consensus | None:
    return Consensus.objects.filter(claim_id=claim_id).first()


def current_verdict_label() -> Case:
    """For a claim's verdict rows ordered newest version first: the label, or "" when that
    version was retracted (a retracted latest version means no verdict stands)."""
    return Case(
        When(retracted_at__isnull=True, then=F("label")),
        default=Value(""),
        output_field=CharField(),
    )


def claim_current_verdict(*, claim_id: int) -> Verdict | None:
    """The claim's standing verdict: its latest version, unless that was retracted."""
    latest = Verdict.objects.filter(claim_id=claim_id).order_by("-version").first()
    return latest if latest is not None and latest.retracted_at is None else None


def contested_queue() -> QuerySet[Claim]:
    """Claims awaiting adjudication, oldest first: not published, and either their consensus is
    contested or they have at least `required_annotations` annotations without a settled
    consensus (pending, missing, or stale while it is recomputed)."""
    return (
        Claim.objects.filter(status=Claim.Status.OPEN)
        .select_related("consensus")
        .annotate(n_annotations=Count("annotations", distinct=True))
        .filter(
            Q(consensus__status=ConsensusStatus.CONTESTED)
            | (
                Q(n_annotations__gte=F("required_annotations"))
                & (
                    Q(consensus__isnull=True)
                    | ~Q(consensus__status=ConsensusStatus.SETTLED)
                    | Q(consensus_stale=True)
                )
            )
        )
        .order_by("created_at", "id")
    )


def claims_ready_to_publish() -> QuerySet[Claim]:
    """Open claims with a settled, up-to-date consensus and enough annotations, oldest first."""
    return (
        Claim.objects.filter(
            status=Claim.Status.OPEN,
            consensus__status=ConsensusStatus.SETTLED,
            consensus_stale=False,
        )
        .select_related("consensus")
        .annotate(n_annotations=Count("annotations", distinct=True))
        .filter(n_annotations__gte=F("required_annotations"))
        .order_by("created_at", "id")
    )


def consensus_for_user(*, user: AnyUser) -> QuerySet[Consensus]:
    """Editors and viewers: every consensus. Annotators: only of claims they annotated."""
    return visible_claim_outcomes(Consensus.objects.select_related("claim"), user=user)


def verdicts_for_user(*, user: AnyUser) -> QuerySet[Verdict]:
    """Editors and viewers: every verdict. Annotators: only of claims they annotated."""
    return visible_claim_outcomes(
        Verdict.objects.select_related("claim", "published_by"), user=user
    )


def reliability_for_user(*, user: AnyUser) -> QuerySet[AnnotatorReliability]:
    """Editors and viewers: every annotator's reliability. Anyone else: none."""
    qs = AnnotatorReliability.objects.select_related("annotator")
    if roles.sees_all_outcomes(user):
        return qs
    return qs.none()
