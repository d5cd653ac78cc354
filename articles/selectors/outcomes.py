"""Reads of outcomes: consensus, verdicts and reliability rows as each user may see them, and
the editors' adjudication queues.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    OuterRef,
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
    AnnotatorReliability,
    Claim,
    Consensus,
    ConsensusStatus,
    Label,
    Verdict,
)
from articles.roles import AnyUser
from articles.selectors.visibility import visible_claim_outcomes


def claim_consensus(*, claim_id: int) -> Consensus | None:
    return Consensus.objects.filter(claim_id=claim_id).first()


def standing_verdict_label(claim_ref: str = "pk") -> Coalesce:
    """The label of the verdict that stands on the claim at `claim_ref` (an outer field name):
    its latest version's label, or "" when there is none or that version was retracted."""
    shown = Case(
        When(retracted_at__isnull=True, then=F("label")),
        default=Value(""),
        output_field=CharField(),
    )
    latest = (
        Verdict.objects.filter(claim_id=OuterRef(claim_ref))
        .order_by("-version")
        .values(shown=shown)
    )
    return Coalesce(Subquery(latest[:1]), Value(""), output_field=CharField())


def claim_current_verdict(*, claim_id: int) -> Verdict | None:
    """The claim's standing verdict: its latest version, unless that was retracted."""
    latest = Verdict.objects.filter(claim_id=claim_id).order_by("-version").first()
    return latest if latest is not None and latest.retracted_at is None else None


def claim_annotation_count() -> Subquery:
    """The claim's (outer `pk`) number of annotations, as a correlated subquery: PostgreSQL
    runs it only for the rows it reaches, so a queue walked in index order up to its page's
    LIMIT counts only the claims it looks at (a `Count` join would group every claim first)."""
    return Subquery(
        Annotation.objects.filter(claim_id=OuterRef("pk"))
        .order_by()
        .values("claim_id")
        .annotate(n=Count("id"))
        .values("n"),
        output_field=IntegerField(),
    )


def _annotation_count(*, for_total: bool) -> Count | Coalesce:
    """A claim's annotation count for the queues: for a page, the per-row subquery (only the
    rows walked pay); for a total over every claim, one grouped join (one pass over the
    annotations instead of a subquery per claim)."""
    if for_total:
        return Count("annotations", distinct=True)
    return Coalesce(claim_annotation_count(), 0)


def contested_queue(*, for_total: bool = False) -> QuerySet[Claim]:
    """Claims awaiting adjudication, oldest first: not published, and either their consensus is
    contested or they have at least `required_annotations` annotations without a settled
    consensus (pending, missing, or stale while it is recomputed). Rows have `n_annotations`.

    Walks open claims in the order of the `claim_open_created_idx` index and counts a claim's
    annotations only when its consensus does not already decide (contested), so a page costs
    the rows it scans, not the table. `for_total=True` shapes it for counting the whole queue
    (`selectors.counts`)."""
    return (
        Claim.objects.filter(status=Claim.Status.OPEN)
        .select_related("consensus")
        .annotate(n_annotations=_annotation_count(for_total=for_total))
        .filter(
            Q(consensus__status=ConsensusStatus.CONTESTED)
            | (
                (
                    Q(consensus__isnull=True)
                    | ~Q(consensus__status=ConsensusStatus.SETTLED)
                    | Q(consensus_stale=True)
                )
                & Q(n_annotations__gte=F("required_annotations"))
            )
        )
        .order_by("created_at", "id")
    )


@dataclass(frozen=True)
class Dissent:
    """One annotator whose rating departs from a contested claim's consensus label (or, when
    the consensus has no label, any annotator), with what the desk knows of their reliability."""

    annotator: str
    label: str
    label_display: str
    accuracy: float | None  # the consensus model's estimate
    gold_accuracy: float | None  # on claims with a known answer
    n_gold: int


@dataclass(frozen=True)
class ContestedReason:
    """Why a claim is contested: its consensus confidence against the threshold, and the
    disagreeing annotators (least reliable first)."""

    confidence: float | None
    threshold: float
    dissenters: tuple[Dissent, ...]


def contested_reasons(*, claims: Sequence[Claim]) -> dict[int, ContestedReason]:
    """For each of `claims` (rows of `contested_queue`, consensus loaded): why it is contested.
    One query for all their annotations with the annotators' names and reliabilities (the
    columns shown, not whole rows: a page of 50 claims has a few hundred)."""
    ids = [claim.pk for claim in claims]
    if not ids:
        return {}
    username = f"annotator__{get_user_model().USERNAME_FIELD}"
    rows = (
        Annotation.objects.filter(claim_id__in=ids)
        .order_by("claim_id", "annotator_id")
        .values_list(
            "claim_id",
            "label",
            username,
            "annotator__reliability__accuracy",
            "annotator__reliability__gold_accuracy",
            "annotator__reliability__n_gold",
        )
    )
    by_claim: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        by_claim[row[0]].append(row)
    threshold = float(settings.FACTCHECK_CONSENSUS_THRESHOLD)
    label_names = dict(Label.choices)
    reasons: dict[int, ContestedReason] = {}
    for claim in claims:
        consensus: Consensus | None = getattr(claim, "consensus", None)
        label = consensus.label if consensus is not None else ""
        probabilities = consensus.probabilities if consensus is not None else {}
        values = [float(v) for v in probabilities.values() if isinstance(v, int | float)]
        dissenters = []
        for _, given, name, accuracy, gold_accuracy, n_gold in by_claim.get(claim.pk, []):
            if label and given == label:
                continue
            dissenters.append(
                Dissent(
                    annotator=str(name),
                    label=given,
                    label_display=str(label_names.get(given, given)),
                    accuracy=accuracy,
                    gold_accuracy=gold_accuracy,
                    n_gold=n_gold or 0,
                )
            )
        dissenters.sort(key=lambda d: (d.accuracy is not None, d.accuracy or 0.0, d.annotator))
        reasons[claim.pk] = ContestedReason(
            confidence=max(values) if values else None,
            threshold=threshold,
            dissenters=tuple(dissenters),
        )
    return reasons


def claims_ready_to_publish(*, for_total: bool = False) -> QuerySet[Claim]:
    """Open claims with a settled, up-to-date consensus and enough annotations, oldest first
    (walked in index order like `contested_queue`). Rows have `n_annotations`."""
    return (
        Claim.objects.filter(
            status=Claim.Status.OPEN,
            consensus__status=ConsensusStatus.SETTLED,
            consensus_stale=False,
        )
        .select_related("consensus")
        .annotate(n_annotations=_annotation_count(for_total=for_total))
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
