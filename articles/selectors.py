"""Reads for the admin, dashboards and services: queues, role-filtered querysets, article text
split into highlighted segments and load counts.

Blind annotation is enforced here: an annotator's querysets never carry annotation or consensus
data of a claim they have not annotated themselves (`claims_for_user`, `annotations_for_user`,
`consensus_for_user`, `verdicts_for_user`, `claim_consensus_visible`).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
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
    AnnotatorReliability,
    Article,
    Assignment,
    Claim,
    ClaimAppearance,
    Consensus,
    ConsensusStatus,
    Verdict,
)

AnyUser = AbstractBaseUser | AnonymousUser

# How much article text to show either side of a passage on the annotate screen.
CONTEXT_CHARS = 320


# --- roles and blindness -------------------------------------------------------------------


def user_sees_all_annotations(user: AnyUser) -> bool:
    """Editors (and superusers) see every annotation and consensus; viewers see consensus."""
    return roles.is_editor(user)


def user_is_blind(user: AnyUser) -> bool:
    """Whether consensus/annotation data must be filtered per claim for this user: annotators
    who are not also editors."""
    return roles.is_annotator(user) and not roles.is_editor(user)


def claim_consensus_visible(*, user: AnyUser, claim_id: int) -> bool:
    """May `user` see the consensus (and verdicts) of this claim? Editors and viewers: yes;
    annotators: only once they have submitted their own annotation of it."""
    if roles.sees_all_outcomes(user):
        return True
    if roles.is_annotator(user):
        return Annotation.objects.filter(claim_id=claim_id, annotator_id=user.pk).exists()
    return False


def _annotated_by(user: AnyUser) -> Exists:
    return Exists(Annotation.objects.filter(claim_id=OuterRef("pk"), annotator_id=user.pk))


# --- claims --------------------------------------------------------------------------------


def claims_for_user(*, user: AnyUser) -> QuerySet[Claim]:
    """Claims as the admin lists them for `user`, with role-appropriate annotations.

    Everyone who may see claims gets `n_appearances` and `my_label` (their own annotation's
    label, "" if none). Editors and viewers also get `n_annotations`, `consensus_label`,
    `consensus_status` and `consensus_agreement`. For annotators these four are computed only
    for claims they have annotated (NULL/"" otherwise), so the data never leaves the database.
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
    qs = Claim.objects.annotate(
        n_appearances=Coalesce(n_appearances, 0),
        my_label=Coalesce(my_label, Value(""), output_field=CharField()),
    )
    if user_is_blind(user):
        seen = Q(annotated_by_me=True)
        return qs.annotate(
            annotated_by_me=_annotated_by(user),
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
        )
    return qs.annotate(
        n_annotations=Coalesce(n_annotations, 0),
        consensus_label=Coalesce(F("consensus__label"), Value(""), output_field=CharField()),
        consensus_status=Coalesce(F("consensus__status"), Value(""), output_field=CharField()),
        consensus_agreement=F("consensus__agreement"),
    )


def claim_search(*, term: str, limit: int = 20) -> QuerySet[Claim]:
    """Claims whose wording or claimant contains `term` (for attaching a span to a claim)."""
    qs = Claim.objects.order_by("-created_at", "-id")
    term = term.strip()
    if term:
        qs = qs.filter(Q(text__icontains=term) | Q(claimant__icontains=term))
    return qs[:limit]


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


def claim_consensus(*, claim_id: int) -> Consensus | None:
    return Consensus.objects.filter(claim_id=claim_id).first()


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


# --- annotator queue -----------------------------------------------------------------------


def annotator_queue(*, user: AnyUser) -> QuerySet[Assignment]:
    """The claims assigned to `user` that they have not annotated yet, oldest assignment first.
    Published claims drop out. Each row has `claim` loaded and `n_articles` annotated."""
    return (
        Assignment.objects.filter(
            annotator_id=user.pk,
            completed_at__isnull=True,
            claim__status=Claim.Status.OPEN,
        )
        .exclude(claim__annotations__annotator_id=user.pk)
        .select_related("claim")
        .annotate(n_articles=Count("claim__appearances__article", distinct=True))
        .order_by("created_at", "id")
    )


def annotator_queue_next(*, user: AnyUser, exclude_claim_id: int | None = None) -> Claim | None:
    """The next claim in `user`'s queue (optionally skipping one), or None when it is empty."""
    qs = annotator_queue(user=user)
    if exclude_claim_id is not None:
        qs = qs.exclude(claim_id=exclude_claim_id)
    first = qs.first()
    return first.claim if first else None


def annotator_done(*, user: AnyUser, limit: int = 20) -> QuerySet[Annotation]:
    """`user`'s own most recently changed annotations (for "recently done" on the queue)."""
    return (
        Annotation.objects.filter(annotator_id=user.pk)
        .select_related("claim")
        .order_by("-updated_at", "-id")[:limit]
    )


def annotation_of(*, user: AnyUser, claim_id: int) -> Annotation | None:
    """`user`'s own annotation of the claim, if any."""
    return Annotation.objects.filter(claim_id=claim_id, annotator_id=user.pk).first()


def assignment_of(*, user: AnyUser, claim_id: int) -> Assignment | None:
    return Assignment.objects.filter(claim_id=claim_id, annotator_id=user.pk).first()


def annotator_open_load() -> dict[int, int]:
    """Every eligible annotator (active member of Annotators) → their open assignments
    (not completed, claim not published), ordered by load then id."""
    rows = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=roles.ANNOTATORS)
        .annotate(
            open_load=Count(
                "assignments",
                filter=Q(
                    assignments__completed_at__isnull=True,
                    assignments__claim__status=Claim.Status.OPEN,
                ),
                distinct=True,
            )
        )
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
            open_load=Count(
                "assignments",
                filter=Q(
                    assignments__completed_at__isnull=True,
                    assignments__claim__status=Claim.Status.OPEN,
                ),
                distinct=True,
            ),
            done=Count("annotations", distinct=True),
        )
        .order_by("open_load", "id")
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


# --- role-filtered querysets for the admin -------------------------------------------------


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


_ClaimRowT = TypeVar("_ClaimRowT", Consensus, Verdict)


def _visible_claim_outcomes(qs: QuerySet[_ClaimRowT], user: AnyUser) -> QuerySet[_ClaimRowT]:
    """Rows about a claim's outcome (consensus, verdicts) that `user` may see: editors and
    viewers all of them, annotators only those of claims they have annotated (blind until they
    submit, as `claim_consensus_visible` decides for one claim), anyone else none."""
    if roles.sees_all_outcomes(user):
        return qs
    if roles.is_annotator(user):
        return qs.filter(claim__annotations__annotator_id=user.pk)
    return qs.none()


def consensus_for_user(*, user: AnyUser) -> QuerySet[Consensus]:
    """Editors and viewers: every consensus. Annotators: only of claims they annotated."""
    return _visible_claim_outcomes(Consensus.objects.select_related("claim"), user)


def verdicts_for_user(*, user: AnyUser) -> QuerySet[Verdict]:
    """Editors and viewers: every verdict. Annotators: only of claims they annotated."""
    return _visible_claim_outcomes(Verdict.objects.select_related("claim", "published_by"), user)


def reliability_for_user(*, user: AnyUser) -> QuerySet[AnnotatorReliability]:
    """Editors and viewers: every annotator's reliability. Anyone else: none."""
    qs = AnnotatorReliability.objects.select_related("annotator")
    if roles.sees_all_outcomes(user):
        return qs
    return qs.none()


def articles_for_admin() -> QuerySet[Article]:
    """Articles with `n_claims` (distinct claims anchored in them)."""
    return Article.objects.select_related("imported_by").annotate(
        n_claims=Count("appearances__claim", distinct=True)
    )


# --- article text with highlighted passages ------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A run of article text; `claim_ids` are the claims anchored over all of it (empty for
    plain text) and `focus` marks the passage being annotated or adjudicated."""

    text: str
    claim_ids: tuple[int, ...] = ()
    focus: bool = False

    @property
    def highlighted(self) -> bool:
        return bool(self.claim_ids)

    @property
    def claim_ids_attr(self) -> str:
        return " ".join(str(cid) for cid in self.claim_ids)


def segments_for_spans(
    body: str,
    spans: list[tuple[int, int, int]],
    *,
    focus_claim_id: int | None = None,
    window: tuple[int, int] | None = None,
) -> list[Segment]:
    """Split `body` (or `body[window]`) at every span boundary. `spans` are (start, end,
    claim_id); overlapping spans yield segments carrying every claim over them."""
    lo, hi = window if window else (0, len(body))
    cuts = {lo, hi}
    for start, end, _ in spans:
        cuts.update(x for x in (start, end) if lo < x < hi)
    points = sorted(cuts)
    segments: list[Segment] = []
    for a, b in itertools.pairwise(points):
        over = tuple(sorted({cid for s, e, cid in spans if s <= a and b <= e}))
        segments.append(
            Segment(
                text=body[a:b],
                claim_ids=over,
                focus=focus_claim_id is not None and focus_claim_id in over,
            )
        )
    return segments


def article_body_segments(*, article: Article) -> list[Segment]:
    """The article's whole body as segments, every anchored claim highlighted."""
    spans = list(
        ClaimAppearance.objects.filter(article_id=article.pk).values_list(
            "start", "end", "claim_id"
        )
    )
    return segments_for_spans(article.body, spans)


def article_claims(*, article_id: int) -> QuerySet[ClaimAppearance]:
    """The appearances in one article with their claims, in reading order."""
    return (
        ClaimAppearance.objects.filter(article_id=article_id)
        .select_related("claim")
        .order_by("start", "id")
    )


@dataclass(frozen=True)
class Passage:
    """One appearance of a claim shown in context: a window of the article around the span."""

    article: Article
    appearance: ClaimAppearance
    segments: list[Segment]
    clipped_start: bool
    clipped_end: bool


def _widen(body: str, start: int, end: int, chars: int) -> tuple[int, int]:
    """Widen [start, end) by about `chars` each side, snapping to paragraph or word breaks."""
    lo = max(0, start - chars)
    hi = min(len(body), end + chars)
    para = body.rfind("\n\n", lo, start)
    if para != -1:
        lo = para + 2
    elif lo > 0:
        space = body.find(" ", lo, start)
        lo = space + 1 if space != -1 else lo
    para = body.find("\n\n", end, hi)
    if para != -1:
        hi = para
    elif hi < len(body):
        space = body.rfind(" ", end, hi)
        hi = space if space != -1 else hi
    return lo, hi


def claim_passages(*, claim: Claim, context_chars: int = CONTEXT_CHARS) -> list[Passage]:
    """Every appearance of `claim` (prefetched by `claim_detail`) as its passage in context,
    the claim's span marked as focus."""
    passages: list[Passage] = []
    for appearance in claim.appearances.all():
        body = appearance.article.body
        lo, hi = _widen(body, appearance.start, appearance.end, context_chars)
        spans = [(appearance.start, appearance.end, claim.pk)]
        passages.append(
            Passage(
                article=appearance.article,
                appearance=appearance,
                segments=segments_for_spans(body, spans, focus_claim_id=claim.pk, window=(lo, hi)),
                clipped_start=lo > 0,
                clipped_end=hi < len(body),
            )
        )
    return passages


# --- counts for the admin index ------------------------------------------------------------


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
