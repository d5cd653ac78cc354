"""Reads for claim finding: articles and claims as the pure `articles.claimfinding` package takes
them, which sentences are already decided, the live suggestions of articles, proposed matches
and contradiction flags for the admin."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import QuerySet

from articles.claimfinding import ArticleText, Candidate, ClaimText, Thresholds, rank
from articles.claimfinding import batch_candidates as find_candidates
from articles.models import (
    Article,
    Claim,
    ClaimAppearance,
    ClaimSuggestion,
    ContradictionFlag,
    ProposedAppearance,
)

ARTICLE_CHUNK = 500


def thresholds() -> Thresholds:
    """The claim-finding thresholds from settings (FACTCHECK_SUGGEST_MIN_SCORE, ...)."""
    defaults = Thresholds()
    return Thresholds(
        suggest=float(settings.FACTCHECK_SUGGEST_MIN_SCORE),
        match=min(defaults.match, float(settings.FACTCHECK_SUGGEST_MIN_SCORE)),
        similarity=float(settings.FACTCHECK_MATCH_MIN_SIMILARITY),
        cluster=float(settings.FACTCHECK_CLUSTER_MIN_SIMILARITY),
    )


def _id_filter(field: str, ids: Iterable[int]) -> dict[str, object]:
    """The filter of rows whose `field` is one of `ids`: a range when the ids are consecutive
    (as those of one import mostly are), which the database reads as well and which spares
    preparing every id of a long IN list; the IN list otherwise."""
    unique = sorted(set(ids))
    if unique and unique[-1] - unique[0] + 1 == len(unique):
        return {f"{field}__gte": unique[0], f"{field}__lte": unique[-1]}
    return {f"{field}__in": unique}


def article_texts(*, article_ids: Sequence[int] | None = None) -> Iterator[ArticleText]:
    """Articles (all, or those in `article_ids`) in id order, read in chunks."""
    queryset = Article.objects.order_by("id")
    if article_ids is not None:
        queryset = queryset.filter(**_id_filter("pk", article_ids))
    for article_id, body, language in queryset.values_list("id", "body", "language").iterator(
        chunk_size=ARTICLE_CHUNK
    ):
        yield ArticleText(article_id, body, language)


def articles_to_find_claims_in(*, article_ids: Sequence[int]) -> list[int]:
    """Those of the articles the claim-finding job has not gone over yet, in id order."""
    return list(
        Article.objects.filter(**_id_filter("pk", article_ids), claims_found_at__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)
    )


def claim_texts() -> list[ClaimText]:
    """Every wording of every claim on file: its normalised text and its appearances' quotes."""
    texts = [
        ClaimText(pk, text) for pk, text in Claim.objects.order_by("id").values_list("id", "text")
    ]
    texts.extend(
        ClaimText(claim_id, quote)
        for claim_id, quote in ClaimAppearance.objects.order_by("id").values_list(
            "claim_id", "quote"
        )
    )
    return texts


@dataclass
class Known:
    """What the desk already knows about the sentences of some articles."""

    # (article id, sentence key) of suggestions decided or stored, by status
    suggestion_status: dict[tuple[int, str], str] = field(default_factory=dict)
    # (article id, sentence key) already proposed as an appearance of some claim
    proposed: set[tuple[int, str]] = field(default_factory=set)
    # spans of claims anchored in each article
    claimed: dict[int, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))

    def is_claimed(self, candidate: Candidate) -> bool:
        return any(
            candidate.start < end and start < candidate.end
            for start, end in self.claimed.get(candidate.article_id, ())
        )


def known_sentences(*, article_ids: Sequence[int]) -> Known:
    """Stored suggestions, proposals and anchored spans of the articles (three queries)."""
    known = Known()
    of_articles = _id_filter("article_id", article_ids)
    for article_id, key, status in ClaimSuggestion.objects.filter(**of_articles).values_list(
        "article_id", "sentence_key", "status"
    ):
        known.suggestion_status[(article_id, key)] = status
    known.proposed.update(
        ProposedAppearance.objects.filter(**of_articles).values_list("article_id", "sentence_key")
    )
    for article_id, start, end in ClaimAppearance.objects.filter(**of_articles).values_list(
        "article_id", "start", "end"
    ):
        known.claimed[article_id].append((start, end))
    return known


def _open_candidates(
    articles: Iterable[ArticleText],
    *,
    min_score: float,
    skip_stored: bool = False,
    explain_from: float | None = None,
) -> Iterator[Candidate]:
    """Candidates of the articles that are not rejected, accepted, proposed or claimed already
    (with `skip_stored`, not stored as suggestions at all); reasons for those scoring at least
    `explain_from` (all when None), as `batch_candidates` gives them."""
    chunk: list[ArticleText] = []

    def flush() -> Iterator[Candidate]:
        known = known_sentences(article_ids=[a.id for a in chunk])
        # Articles with stored suggestions or proposals: only their sentences need their keys.
        keyed = {article_id for article_id, _ in known.suggestion_status} | {
            article_id for article_id, _ in known.proposed
        }
        for candidate in find_candidates(chunk, min_score=min_score, explain_from=explain_from):
            if candidate.article_id in keyed:
                key = (candidate.article_id, candidate.key)
                status = known.suggestion_status.get(key)
                if status is not None and (skip_stored or status != ClaimSuggestion.Status.OPEN):
                    continue
                if key in known.proposed:
                    continue
            if known.claimed and known.is_claimed(candidate):
                continue
            yield candidate

    for article in articles:
        chunk.append(article)
        if len(chunk) >= ARTICLE_CHUNK:
            yield from flush()
            chunk = []
    if chunk:
        yield from flush()


def article_suggestions(
    *, article_ids: Sequence[int] | None = None, limit: int | None = None
) -> list[Candidate]:
    """Check-worthy sentences of the articles (all when `article_ids` is None) that could become
    claims, best first: rejected or accepted suggestions, sentences proposed as appearances and
    sentences already anchored to a claim are left out. At most `limit` when given.
    """
    found = rank(
        _open_candidates(article_texts(article_ids=article_ids), min_score=thresholds().suggest)
    )
    return found if limit is None else found[:limit]


def candidates_for_matching(*, article_ids: Sequence[int]) -> list[Candidate]:
    """Sentences of the articles worth comparing with claims on file (a lower score suffices),
    leaving out those already suggested, decided, proposed or claimed; without their reasons
    (the job writes out those of the few it stores)."""
    return list(
        _open_candidates(
            article_texts(article_ids=article_ids),
            min_score=thresholds().match,
            skip_stored=True,
            explain_from=math.inf,
        )
    )


@dataclass(frozen=True)
class Sibling:
    """Another article's sentence proposed as the same new claim."""

    suggestion_id: int
    article_id: int
    article_title: str
    publisher: str
    text: str
    similarity: float | None


@dataclass(frozen=True)
class PageSuggestion:
    """A suggestion as the article page shows it."""

    candidate: Candidate
    siblings: tuple[Sibling, ...]


def article_page_suggestions(*, article_id: int, limit: int = 25) -> list[PageSuggestion]:
    """The article's open suggestions, best first, each with the sentences of other articles the
    claim-finding job grouped with it (one claim proposed across outlets). Three queries for the
    known sentences plus one for the article and one for the groups."""
    candidates = article_suggestions(article_ids=[article_id], limit=limit)
    keys = [c.key for c in candidates]
    groups = dict(
        ClaimSuggestion.objects.filter(
            article_id=article_id, sentence_key__in=keys, group__isnull=False
        ).values_list("sentence_key", "group_id")
    )
    members: dict[int, list[Sibling]] = defaultdict(list)
    if groups:
        for row in (
            ClaimSuggestion.objects.filter(
                group_id__in=set(groups.values()), status=ClaimSuggestion.Status.OPEN
            )
            .exclude(article_id=article_id)
            .select_related("article")
            .order_by("-score", "id")
        ):
            members[int(row.group_id or 0)].append(
                Sibling(
                    row.pk,
                    row.article_id,
                    row.article.title,
                    row.article.publisher,
                    row.text,
                    row.similarity,
                )
            )
    return [PageSuggestion(c, tuple(members.get(groups.get(c.key, -1), ()))) for c in candidates]


def proposals_for_admin() -> QuerySet[ProposedAppearance]:
    """Proposed appearances with their claim and article, best match first."""
    return ProposedAppearance.objects.select_related("claim", "article").order_by(
        "-similarity", "id"
    )


def article_proposals(*, article_id: int) -> QuerySet[ProposedAppearance]:
    """An article's appearances proposed by matching and not decided yet, in reading order."""
    return (
        ProposedAppearance.objects.filter(
            article_id=article_id, status=ProposedAppearance.Status.PROPOSED
        )
        .select_related("claim")
        .order_by("start", "id")
    )


def claim_contradictions(*, claim_id: int) -> QuerySet[ContradictionFlag]:
    """The claim's contradiction flags with both articles (one query)."""
    return (
        ContradictionFlag.objects.filter(claim_id=claim_id)
        .select_related("first_article", "second_article")
        .order_by("kind", "id")
    )


PassageRow = tuple[int, int, int, str, bool]


def claims_passages(*, claim_ids: Sequence[int]) -> dict[int, list[PassageRow]]:
    """The passages stating each claim: its appearances and its open proposed appearances, as
    (article id, start, end, text, proposed) in article and reading order, appearances before
    proposals at one place. Every claim asked for has an entry (two queries in all)."""
    ids = sorted(set(claim_ids))
    passages: dict[int, list[PassageRow]] = {claim_id: [] for claim_id in ids}
    for claim_id, article_id, start, end, quote in ClaimAppearance.objects.filter(
        claim_id__in=ids
    ).values_list("claim_id", "article_id", "start", "end", "quote"):
        passages[claim_id].append((article_id, start, end, quote, False))
    for claim_id, article_id, start, end, quote in ProposedAppearance.objects.filter(
        claim_id__in=ids, status=ProposedAppearance.Status.PROPOSED
    ).values_list("claim_id", "article_id", "start", "end", "quote"):
        passages[claim_id].append((article_id, start, end, quote, True))
    for rows in passages.values():
        rows.sort(key=lambda p: (p[0], p[1], p[4]))
    return passages
