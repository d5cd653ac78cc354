"""Reads for the dashboards: the desk overview, the claims table, one claim's story, the article
reader and the annotators' reliability.

Every read's cost is bounded by its page, not by the tables: the overview's desk-wide tallies
are a cached snapshot (counted by a periodic job in a fixed number of grouped queries; the
per-claim progress comes from the stored consensus rows, not a count of every annotation),
daily series cover a fixed window, lists are paginated, and the annotators page loads work only
for the annotators on the page. Blindness comes from
`articles.roles` and `articles.selectors.visibility`, as everywhere.
"""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import OrderBy
from django.db.models.functions import Coalesce, Least, TruncDate
from django.utils import timezone

from articles import roles
from articles.consensus.screening import Screening, informedness, screen
from articles.models import (
    Annotation,
    AnnotatorReliability,
    Article,
    Claim,
    ClaimAppearance,
    Consensus,
    ConsensusRun,
    ConsensusStatus,
    ContradictionFlag,
    Label,
    Verdict,
)
from articles.presentation import Passage, Segment, claim_passages, segments_for_spans
from articles.roles import AnyUser
from articles.selectors.claimfinding import claim_contradictions
from articles.selectors.claims import claim_detail, claims_for_user
from articles.selectors.outcomes import contested_queue
from articles.selectors.snapshots import snapshot, snapshot_refresh
from articles.selectors.visibility import claim_outcome_visible, rated_by

DAYS = 30
"""How many days the daily series cover (today included)."""
NO_CONSENSUS = "none"
"""The consensus-status key of claims without a consensus row (no ratings yet)."""
SITTING_BREAK = timedelta(minutes=30)
"""Two ratings further apart than this are in different sittings: the gap is not time spent
rating."""


@dataclass(frozen=True)
class AgreementBand:
    key: str
    label: str
    lo: float  # inclusive
    hi: float  # exclusive (the top band includes 1)


# Observed agreement (share of ratings on the most frequent label). With three ratings the
# values are 1/3, 2/3 and 1: split, majority, unanimous.
AGREEMENT_BANDS: tuple[AgreementBand, ...] = (
    AgreementBand("high", "High (80% or more)", 0.8, 1.01),
    AgreementBand("medium", "Medium (50-80%)", 0.5, 0.8),
    AgreementBand("low", "Low (under 50%)", 0.0, 0.5),
)


def agreement_band(value: float | None) -> AgreementBand | None:
    if value is None:
        return None
    return next((b for b in AGREEMENT_BANDS if b.lo <= value < b.hi), None)


# --- the overview ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """Open claims against their required ratings (counts from the stored consensus rows)."""

    open_claims: int
    complete: int
    started: int  # some ratings, fewer than required
    not_started: int
    ratings_in: int  # capped at each claim's requirement
    ratings_required: int

    @property
    def share(self) -> float:
        return self.ratings_in / self.ratings_required if self.ratings_required else 0.0


@dataclass(frozen=True)
class Health:
    stale: int
    last_run: ConsensusRun | None

    @property
    def last_run_seconds(self) -> float | None:
        run = self.last_run
        return None if run is None else (run.finished_at - run.started_at).total_seconds()


@dataclass(frozen=True)
class Tallies:
    """The overview's desk-wide figures: each scans claims, consensus rows, verdicts or a month
    of ratings, so they are counted by `overview_tallies` into a cached snapshot."""

    by_status: dict[str, int]
    by_consensus: dict[str, int]
    by_verdict: dict[str, int]
    progress: Progress
    annotations_per_day: list[tuple[date, int]]
    publications_per_day: list[tuple[date, int]]
    stale: int


@dataclass(frozen=True)
class Overview:
    tallies: Tallies
    counted_at: datetime  # when `tallies` were counted; the lists below are current
    runs: list[ConsensusRun]  # oldest first
    contested_head: list[Claim]
    recent_verdicts: list[Verdict]
    health: Health

    @property
    def total_claims(self) -> int:
        return sum(self.tallies.by_status.values())


def _days(today: date) -> list[date]:
    return [today - timedelta(days=DAYS - 1 - i) for i in range(DAYS)]


def _window_start(today: date) -> datetime:
    first = today - timedelta(days=DAYS - 1)
    return timezone.make_aware(datetime.combine(first, time.min))


def per_day(qs: QuerySet[Any], *, field_name: str) -> list[tuple[date, int]]:
    """Rows of `qs` per local day over the last `DAYS` days (zeros included), one query."""
    today = timezone.localdate()
    rows = (
        qs.filter(**{f"{field_name}__gte": _window_start(today)})
        .order_by()
        .annotate(day=TruncDate(field_name))
        .values("day")
        .annotate(n=Count("*"))  # not count(id): an index-only scan of the timestamp suffices
        .values_list("day", "n")
    )
    counts = dict(rows)
    return [(day, int(counts.get(day, 0))) for day in _days(today)]


def ratings_per_day() -> list[tuple[date, int]]:
    """Ratings submitted per local day over the last `DAYS` days."""
    return per_day(Annotation.objects.all(), field_name="created_at")


def publications_per_day() -> list[tuple[date, int]]:
    """Verdict versions published per local day over the last `DAYS` days."""
    return per_day(Verdict.objects.all(), field_name="published_at")


def standing_verdicts() -> QuerySet[Verdict]:
    """Each claim's current verdict: its latest version, unless that was retracted."""
    newer = Verdict.objects.filter(claim_id=OuterRef("claim_id"), version__gt=OuterRef("version"))
    return Verdict.objects.filter(retracted_at__isnull=True).exclude(Exists(newer))


OVERVIEW_SNAPSHOT = "overview-tallies"


def overview_tallies() -> Tallies:
    """Count the overview's desk-wide figures now (five queries, each a scan: callers read the
    cached snapshot through `desk_overview`, refreshed by the periodic job)."""
    grouped = (
        Claim.objects.order_by()
        .annotate(
            c_status=Coalesce(
                F("consensus__status"), Value(NO_CONSENSUS), output_field=CharField()
            ),
            got=Coalesce(F("consensus__n_annotations"), Value(0), output_field=IntegerField()),
        )
        .annotate(
            stage=Case(
                When(got__gte=F("required_annotations"), then=Value(2)),
                When(got__gt=0, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .values("status", "c_status", "stage")
        .annotate(
            n=Count("pk"),
            ratings=Sum(
                Least(F("got"), F("required_annotations"), output_field=IntegerField()),
                output_field=IntegerField(),
            ),
            required=Sum("required_annotations", output_field=IntegerField()),
        )
    )
    by_status: dict[str, int] = dict.fromkeys(Claim.Status.values, 0)
    by_consensus: dict[str, int] = dict.fromkeys([*ConsensusStatus.values, NO_CONSENSUS], 0)
    stages = [0, 0, 0]
    ratings_in = ratings_required = 0
    for row in grouped:
        n = int(row["n"])
        by_status[row["status"]] = by_status.get(row["status"], 0) + n
        if row["status"] != Claim.Status.OPEN:
            continue
        by_consensus[row["c_status"]] = by_consensus.get(row["c_status"], 0) + n
        stages[int(row["stage"])] += n
        ratings_in += int(row["ratings"] or 0)
        ratings_required += int(row["required"] or 0)
    verdicts = dict(
        standing_verdicts()
        .order_by()
        .values("label")
        .annotate(n=Count("pk"))
        .values_list("label", "n")
    )
    return Tallies(
        by_status=by_status,
        by_consensus=by_consensus,
        by_verdict={label: int(verdicts.get(label, 0)) for label in Label.values},
        progress=Progress(
            open_claims=by_status.get(Claim.Status.OPEN, 0),
            complete=stages[2],
            started=stages[1],
            not_started=stages[0],
            ratings_in=ratings_in,
            ratings_required=ratings_required,
        ),
        annotations_per_day=ratings_per_day(),
        publications_per_day=publications_per_day(),
        stale=Claim.objects.filter(consensus_stale=True).count(),
    )


def overview_tallies_snapshot() -> tuple[Tallies, datetime]:
    """The overview's figures from their cached snapshot (counted now on a miss)."""
    return snapshot(OVERVIEW_SNAPSHOT, overview_tallies)


def overview_tallies_refresh() -> tuple[Tallies, datetime]:
    """Recount the overview's figures now and cache them (the periodic job calls this)."""
    return snapshot_refresh(OVERVIEW_SNAPSHOT, overview_tallies)


def desk_overview(*, contested_limit: int = 6, recent_limit: int = 8, runs: int = 30) -> Overview:
    """Everything the overview shows (editors and viewers: callers check `sees_all_outcomes`).
    The desk-wide tallies come from their cached snapshot (see `articles.selectors.snapshots`);
    the runs, the contested queue's head and the recent publications are read now, each
    bounded by its limit. Four queries on a cached snapshot, nine on a miss."""
    tallies, counted_at = overview_tallies_snapshot()
    recent_runs = list(ConsensusRun.objects.order_by("-finished_at", "-id")[:runs])
    return Overview(
        tallies=tallies,
        counted_at=counted_at,
        runs=recent_runs[::-1],
        contested_head=list(contested_queue()[:contested_limit]),
        recent_verdicts=list(
            Verdict.objects.select_related("claim", "published_by").order_by(
                "-published_at", "-id"
            )[:recent_limit]
        ),
        health=Health(
            stale=tallies.stale,
            last_run=recent_runs[0] if recent_runs else None,
        ),
    )


# --- the claims table -----------------------------------------------------------------------

SORTS: dict[str, tuple[str, tuple[OrderBy, ...]]] = {
    "-created": ("Newest first", (F("created_at").desc(), F("id").desc())),
    "created": ("Oldest first", (F("created_at").asc(), F("id").asc())),
    "progress": (
        "Least rated first",
        (F("progress_key").asc(nulls_first=True), F("id").asc()),
    ),
    "-progress": (
        "Most rated first",
        (F("progress_key").desc(nulls_last=True), F("id").asc()),
    ),
    "agreement": (
        "Lowest agreement first",
        (F("agreement_key").asc(nulls_last=True), F("id").asc()),
    ),
    "-agreement": (
        "Highest agreement first",
        (F("agreement_key").desc(nulls_last=True), F("id").asc()),
    ),
}
DEFAULT_SORT = "-created"


def claims_table(*, user: AnyUser) -> QuerySet[Claim]:
    """`claims_for_user` plus the table's sort keys: ratings in and agreement from the stored
    consensus row (sorting by a count of every claim's annotations would cost the whole
    table). For a blind user the keys are masked like the shown values, so a sort never ranks
    claims by an outcome the user may not see."""
    qs = claims_for_user(user=user)
    if roles.sees_all_outcomes(user):
        return qs.annotate(
            progress_key=F("consensus__n_annotations"),
            agreement_key=F("consensus__agreement"),
        )
    seen = Q(annotated_by_me=True)
    return qs.annotate(
        progress_key=Case(When(seen, then=F("consensus__n_annotations")), default=None),
        agreement_key=Case(
            When(seen, then=F("consensus__agreement")), default=None, output_field=FloatField()
        ),
    )


def claims_sorted(qs: QuerySet[Claim], *, sort: str) -> QuerySet[Claim]:
    ordering: tuple[OrderBy, ...] = SORTS.get(sort, SORTS[DEFAULT_SORT])[1]
    return qs.order_by(*list(ordering))


def claims_matching(qs: QuerySet[Claim], *, text: str) -> QuerySet[Claim]:
    """Claims whose wording or claimant contains `text` (case-insensitive)."""
    return qs.filter(Q(text__icontains=text) | Q(claimant__icontains=text))


def claims_in_article(qs: QuerySet[Claim], *, article_id: int) -> QuerySet[Claim]:
    return qs.filter(
        Exists(ClaimAppearance.objects.filter(claim_id=OuterRef("pk"), article_id=article_id))
    )


def claims_by_publisher(qs: QuerySet[Claim], *, publisher: str) -> QuerySet[Claim]:
    return qs.filter(
        Exists(
            ClaimAppearance.objects.filter(claim_id=OuterRef("pk"), article__publisher=publisher)
        )
    )


def claims_rated_by(qs: QuerySet[Claim], *, user: AnyUser, username: str) -> QuerySet[Claim]:
    """Claims rated by the annotator `username`. Who rated what is an editor's to know: for
    anyone else the filter matches nothing but their own ratings."""
    if not roles.is_editor(user) and username != getattr(user, "username", None):
        return qs.none()
    return qs.filter(
        Exists(Annotation.objects.filter(claim_id=OuterRef("pk"), annotator__username=username))
    )


def claims_with_verdict(qs: QuerySet[Claim], *, user: AnyUser, label: str) -> QuerySet[Claim]:
    """Claims whose standing verdict is `label`, or which have none (`label` = "none"); for a
    blind user only among the claims they have rated (the rest show no verdict to them)."""
    standing = standing_verdicts().filter(claim_id=OuterRef("pk"))
    if label == NO_CONSENSUS:
        if roles.sees_all_outcomes(user):
            return qs.exclude(Exists(standing))
        return qs.filter(~Exists(standing) | ~rated_by(user))
    matched = qs.filter(Exists(standing.filter(label=label)))
    return matched if roles.sees_all_outcomes(user) else matched.filter(rated_by(user))


def claims_with_consensus_status(qs: QuerySet[Claim], *, status: str) -> QuerySet[Claim]:
    """By the (masked) consensus status shown in the table; "none" for claims without one."""
    masked = {"consensus_status": "" if status == NO_CONSENSUS else status}
    return qs.filter(**masked)


def claims_in_agreement_band(qs: QuerySet[Claim], *, band: str) -> QuerySet[Claim]:
    chosen = next((b for b in AGREEMENT_BANDS if b.key == band), None)
    if chosen is None:
        return qs
    bounds = {"agreement_key__gte": chosen.lo, "agreement_key__lt": chosen.hi}
    return qs.filter(**bounds)


def claims_created_between(
    qs: QuerySet[Claim], *, since: date | None, until: date | None
) -> QuerySet[Claim]:
    """Claims created on or after `since` and on or before `until` (local days)."""
    if since is not None:
        qs = qs.filter(created_at__gte=timezone.make_aware(datetime.combine(since, time.min)))
    if until is not None:
        end = timezone.make_aware(datetime.combine(until + timedelta(days=1), time.min))
        qs = qs.filter(created_at__lt=end)
    return qs


def article_heading(*, article_id: int) -> Article | None:
    """The id and title of one article (the table's "in <article>" line), None if missing."""
    return Article.objects.filter(pk=article_id).only("id", "title").first()


def publishers() -> list[str]:
    """Every publisher on file, alphabetically (for the table's filter)."""
    return list(
        Article.objects.exclude(publisher="")
        .order_by("publisher")
        .values_list("publisher", flat=True)
        .distinct()
    )


def first_articles(*, claim_ids: Sequence[int]) -> dict[int, list[Article]]:
    """The articles each claim appears in (for a page of the table; one query)."""
    found: dict[int, list[Article]] = defaultdict(list)
    rows = (
        ClaimAppearance.objects.filter(claim_id__in=list(claim_ids))
        .select_related("article")
        .only("claim_id", "article__id", "article__title", "article__publisher")
        .order_by("claim_id", "article_id")
    )
    for appearance in rows:
        articles = found[appearance.claim_id]
        if all(a.pk != appearance.article_id for a in articles):
            articles.append(appearance.article)
    return dict(found)


CSV_COLUMNS: tuple[str, ...] = (
    "claim_id",
    "text",
    "claimant",
    "status",
    "ratings",
    "required_ratings",
    "consensus_status",
    "consensus_label",
    "agreement",
    "verdict",
    "created_at",
)


# The annotated (masked) fields of `claims_table` behind each CSV column.
_CSV_FIELDS: tuple[str, ...] = (
    "id",
    "text",
    "claimant",
    "status",
    "n_annotations",
    "required_annotations",
    "consensus_status",
    "consensus_label",
    "consensus_agreement",
    "verdict_label",
    "created_at",
)


def claims_csv_rows(qs: QuerySet[Claim], *, chunk_size: int = 2000) -> Any:
    """The (masked) table rows as tuples in `CSV_COLUMNS` order, from a server-side cursor."""
    return qs.values_list(*_CSV_FIELDS).iterator(chunk_size=chunk_size)


# --- one claim's story ----------------------------------------------------------------------


@dataclass(frozen=True)
class Rating:
    annotation: Annotation
    who: str
    is_mine: bool
    reliability: AnnotatorReliability | None


@dataclass(frozen=True)
class ClaimStory:
    claim: Claim
    passages: list[Passage]
    outcome_visible: bool
    consensus: Consensus | None
    verdicts: list[Verdict]  # newest version first
    current_verdict: Verdict | None
    ratings: list[Rating] | None  # None: the user may not see who rated what
    mine: Annotation | None
    n_ratings: int | None
    contradictions: list[ContradictionFlag]
    outlets: int = field(default=0)


def claim_story(*, user: AnyUser, claim_id: int) -> ClaimStory:
    """One claim for its dashboard, as `user` may see it: appearances in context, and (when the
    user may see the outcome) consensus, verdict versions and, for editors and annotators who
    rated it, each rating with its annotator's reliability. Raises Claim.DoesNotExist."""
    claim = claim_detail(claim_id=claim_id)
    mine = Annotation.objects.filter(claim_id=claim_id, annotator_id=user.pk).first()
    visible = claim_outcome_visible(user=user, claim_id=claim_id)
    consensus = verdicts = ratings = None
    n_ratings: int | None = None
    if visible:
        consensus = Consensus.objects.filter(claim_id=claim_id).first()
        verdicts = list(
            Verdict.objects.filter(claim_id=claim_id)
            .select_related("published_by")
            .order_by("-version")
        )
        n_ratings = Annotation.objects.filter(claim_id=claim_id).count()
    if roles.may_see_ratings(user, has_rated=mine is not None):
        rows = (
            Annotation.objects.filter(claim_id=claim_id)
            .select_related("annotator", "annotator__reliability")
            .order_by("created_at", "id")
        )
        editor = roles.is_editor(user)
        ratings = []
        others = 0
        for annotation in rows:
            is_mine = annotation.annotator_id == user.pk
            if is_mine:
                who = "You"
            elif editor:
                who = annotation.annotator.get_full_name() or annotation.annotator.get_username()
            else:
                # Annotators see what others said once they have rated, not who said it.
                others += 1
                who = f"Annotator {chr(ord('A') + (others - 1) % 26)}"
            ratings.append(
                Rating(
                    annotation=annotation,
                    who=who,
                    is_mine=is_mine,
                    reliability=getattr(annotation.annotator, "reliability", None),
                )
            )
    current = verdicts[0] if verdicts and verdicts[0].retracted_at is None else None
    passages = claim_passages(claim=claim)
    return ClaimStory(
        claim=claim,
        passages=passages,
        outcome_visible=visible,
        consensus=consensus,
        verdicts=verdicts or [],
        current_verdict=current,
        ratings=ratings,
        mine=mine,
        n_ratings=n_ratings,
        contradictions=list(claim_contradictions(claim_id=claim_id)),
        outlets=len({p.article.publisher or p.article.pk for p in passages}),
    )


# --- the article reader ---------------------------------------------------------------------


@dataclass(frozen=True)
class ReaderClaim:
    """A claim of the article with what the reader shows of its outcome: `shown` is
    "verdict", "consensus" (decided), "pending", "hidden" (blind) or "none"."""

    claim: Claim
    shown: str
    label: str
    caption: str

    @property
    def name(self) -> str:
        """The shown label's display name ("" without one)."""
        return str(Label(self.label).label) if self.label in Label.values else ""


@dataclass(frozen=True)
class ReaderSegment:
    segment: Segment
    claim: ReaderClaim | None  # the claim whose outcome colours the segment
    ends: tuple[ReaderClaim, ...]  # claims whose passage ends here (their label tag follows)
    anchor: str  # element id of the first segment of a claim's first passage


@dataclass(frozen=True)
class ArticleReading:
    article: Article
    claims: list[ReaderClaim]
    segments: list[ReaderSegment]


def _reader_claim(claim: Any) -> ReaderClaim:
    labels = dict(Label.choices)
    if getattr(claim, "annotated_by_me", True) is False:
        return ReaderClaim(claim, "hidden", "", "outcome hidden until you rate it")
    if claim.verdict_label:
        return ReaderClaim(
            claim, "verdict", claim.verdict_label, f"verdict: {labels[claim.verdict_label]}"
        )
    status, label = claim.consensus_status, claim.consensus_label
    if status and status != ConsensusStatus.PENDING and label:
        return ReaderClaim(claim, "consensus", label, f"consensus ({status}): {labels[label]}")
    if status == ConsensusStatus.PENDING or claim.n_annotations:
        got = int(claim.n_annotations or 0)
        return ReaderClaim(
            claim, "pending", "", f"pending ({got} of {claim.required_annotations} ratings)"
        )
    return ReaderClaim(claim, "none", "", "not rated yet")


def article_reading(*, user: AnyUser, article_id: int) -> ArticleReading:
    """The article with each claim's passages, each claim's outcome as `user` may see it (a
    published verdict first, else a decided consensus). Raises Article.DoesNotExist. Four
    queries whatever the number of claims."""
    article = Article.objects.get(pk=article_id)
    spans = list(
        ClaimAppearance.objects.filter(article_id=article_id)
        .order_by("start", "end", "claim_id")
        .values_list("start", "end", "claim_id")
    )
    claims = {
        c.pk: _reader_claim(c)
        for c in claims_in_article(claims_for_user(user=user), article_id=article_id)
    }
    ends_at: dict[int, list[int]] = defaultdict(list)
    for _start, end, claim_id in spans:
        ends_at[end].append(claim_id)
    segments: list[ReaderSegment] = []
    anchored: set[int] = set()
    offset = 0
    for seg in segments_for_spans(article.body, spans):
        offset += len(seg.text)
        first = next((claims[c] for c in seg.claim_ids if c in claims), None)
        anchor = ""
        if first is not None and first.claim.pk not in anchored:
            anchored.add(first.claim.pk)
            anchor = f"fc-claim-{first.claim.pk}"
        ends = tuple(
            claims[c]
            for c in dict.fromkeys(ends_at.get(offset, ()))
            if c in claims and c in seg.claim_ids
        )
        segments.append(ReaderSegment(segment=seg, claim=first, ends=ends, anchor=anchor))
    ordered = sorted(claims.values(), key=lambda rc: _first_start(spans, rc.claim.pk))
    return ArticleReading(article=article, claims=ordered, segments=segments)


def _first_start(spans: list[tuple[int, int, int]], claim_id: int) -> int:
    return min((s for s, _, c in spans if c == claim_id), default=0)


# --- annotators ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ScreenedAnnotator:
    annotator_id: int
    username: str
    name: str
    informedness: float | None
    n_ratings: int
    screening: Screening


ANNOTATORS_SNAPSHOT = "annotators-screened"


def annotators_screened() -> tuple[list[ScreenedAnnotator], datetime]:
    """`annotators_screening` from its cached snapshot (refreshed by the periodic job), and when
    it was counted: its cost grows with the number of annotators, not with the page."""
    return snapshot(ANNOTATORS_SNAPSHOT, annotators_screening)


def annotators_screening_refresh() -> tuple[list[ScreenedAnnotator], datetime]:
    """Screen every annotator now and cache the result (the periodic job calls this)."""
    return snapshot_refresh(ANNOTATORS_SNAPSHOT, annotators_screening)


def annotators_screening() -> list[ScreenedAnnotator]:
    """Every annotator (members of Annotators, and anyone with a reliability estimate), most
    suspect first: adversarial, then near chance, then by informedness; those the model has
    not seen enough of last. Two queries; the cost grows with the number of annotators."""
    users = {
        pk: (username, f"{first} {last}".strip() or username)
        for pk, username, first, last in get_user_model()
        .objects.filter(groups__name=roles.ANNOTATORS)
        .values_list("id", "username", "first_name", "last_name")
    }
    estimates: dict[int, tuple[float | None, int]] = {}
    rows = AnnotatorReliability.objects.values_list(
        "annotator_id",
        "annotator__username",
        "annotator__first_name",
        "annotator__last_name",
        "confusion",
        "n_annotations",
    )
    for annotator_id, username, first, last, confusion, n in rows:
        users.setdefault(annotator_id, (username, f"{first} {last}".strip() or username))
        estimates[annotator_id] = (_informedness_of(confusion), int(n))
    screened = []
    for annotator_id, (username, name) in users.items():
        value, n = estimates.get(annotator_id, (None, 0))
        screened.append(
            ScreenedAnnotator(annotator_id, username, name, value, n, screen(value, n_ratings=n))
        )
    order = {
        Screening.ADVERSARIAL: 0,
        Screening.SPAMMER: 1,
        Screening.RELIABLE: 2,
        Screening.TOO_FEW: 3,
    }
    screened.sort(
        key=lambda s: (
            order[s.screening],
            s.informedness if s.informedness is not None else 9,
            s.username,
        )
    )
    return screened


def confusion_matrix(confusion: Any) -> list[list[float]] | None:
    """A stored confusion matrix (true label -> given label -> p) as rows in Label order, or
    None when it is missing or malformed."""
    if not isinstance(confusion, dict):
        return None
    try:
        return [[float(confusion[t][g]) for g in Label.values] for t in Label.values]
    except (KeyError, TypeError, ValueError):
        return None


def _informedness_of(confusion: Any) -> float | None:
    matrix = confusion_matrix(confusion)
    return None if matrix is None else informedness(matrix)


@dataclass(frozen=True)
class AnnotatorWork:
    """One annotator's recent work: ratings per local day over the last `DAYS` days and the
    median time between consecutive ratings within a sitting (None without such a pair)."""

    per_day: list[tuple[date, int]]
    median_seconds: float | None
    total: int


def annotators_work(*, annotator_ids: Sequence[int]) -> dict[int, AnnotatorWork]:
    """Recent work of the given annotators (one page of them): one query over their ratings in
    the window."""
    today = timezone.localdate()
    days = _days(today)
    ids = list(annotator_ids)
    stamps: dict[int, list[datetime]] = defaultdict(list)
    for annotator_id, created in (
        Annotation.objects.filter(annotator_id__in=ids, created_at__gte=_window_start(today))
        .order_by("annotator_id", "created_at")
        .values_list("annotator_id", "created_at")
    ):
        stamps[annotator_id].append(created)
    work: dict[int, AnnotatorWork] = {}
    for annotator_id in ids:
        times = stamps.get(annotator_id, [])
        counts: dict[date, int] = defaultdict(int)
        for t in times:
            counts[timezone.localdate(t)] += 1
        gaps = [
            (b - a).total_seconds() for a, b in itertools.pairwise(times) if b - a <= SITTING_BREAK
        ]
        work[annotator_id] = AnnotatorWork(
            per_day=[(d, counts.get(d, 0)) for d in days],
            median_seconds=statistics.median(gaps) if gaps else None,
            total=len(times),
        )
    return work


def reliabilities(*, annotator_ids: Sequence[int]) -> dict[int, AnnotatorReliability]:
    return {
        r.annotator_id: r
        for r in AnnotatorReliability.objects.filter(annotator_id__in=list(annotator_ids))
    }
