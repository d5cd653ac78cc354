"""The pipeline over articles: their check-worthy sentences, which of them restate claims on
file, and how the rest group into new claims across the articles of one batch."""

from __future__ import annotations

import gc
import itertools
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import attrgetter

import numpy as np

from articles.claimfinding.segmentation import block_spans
from articles.claimfinding.text import sentence_key
from articles.claimfinding.vocabulary import Words
from articles.claimfinding.worthiness import score_sentences

# Sentences scored together in one pass of `score_sentences` (bounds the memory a batch holds).
SCORE_CHUNK = 20_000


@dataclass(frozen=True, slots=True)
class Thresholds:
    """`suggest`: least score for a suggestion; `match`: least score for a sentence to be
    compared with the claims on file (a restatement of a known claim may carry fewer features);
    `similarity`: least similarity to propose a sentence as an appearance of a claim;
    `cluster`: least average similarity of the sentences proposed as one new claim."""

    suggest: float = 2.0
    match: float = 1.0
    similarity: float = 0.25
    # An average over every pair of a group's sentences (see `matching.cluster`), so lower than
    # `similarity`, which one pair must reach: five outlets wording one claim five ways share
    # a few words pair by pair, and a wrong member still pulls the group's average down.
    cluster: float = 0.15


@dataclass(frozen=True, slots=True)
class ArticleText:
    id: int
    body: str
    language: str = ""


@dataclass(frozen=True, slots=True)
class ClaimText:
    """One wording of a claim on file: its normalised text or the quote of an appearance."""

    claim_id: int
    text: str


@dataclass(frozen=True, slots=True)
class Candidate:
    """A sentence of an article worth a look: `body[start:end] == text`."""

    article_id: int
    start: int
    end: int
    text: str
    score: float
    reasons: tuple[str, ...]
    # The sentence's token ids as the scorer looked them up, for the matcher (None: split it
    # again). Not part of what the candidate is.
    words: Words | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> str:
        """The sentence's `sentence_key` (worked out when asked: most candidates of a fresh
        article are never looked up or stored)."""
        return sentence_key(self.text)


@dataclass(frozen=True, slots=True)
class ProposedMatch:
    candidate: Candidate
    claim_id: int
    similarity: float


@dataclass(frozen=True, slots=True)
class Group:
    """Sentences proposed as one new claim, best first; `similarities[i]` is member i's
    similarity to the first (1.0 for the first itself)."""

    members: tuple[Candidate, ...]
    similarities: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class BatchPlan:
    matches: list[ProposedMatch] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)


def article_candidates(article: ArticleText, *, min_score: float) -> list[Candidate]:
    """The sentences of one article scoring at least `min_score`, in reading order."""
    return batch_candidates([article], min_score=min_score)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off for the block: a batch makes millions of small objects
    (tokens, values, candidates) and none of them in a cycle, and every collection the
    allocations trigger would walk all of them again. Back on (if it was) when the block
    ends."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def batch_candidates(
    articles: Iterable[ArticleText], *, min_score: float, explain_from: float | None = None
) -> list[Candidate]:
    """The sentences of the articles scoring at least `min_score`, article by article in
    reading order. Sentences are scored in chunks of `SCORE_CHUNK` (see `score_sentences`). The
    reasons are written out for the candidates scoring at least `explain_from` (all of them
    when None); the others get none (a sentence only compared with claims on file is never
    shown with its reasons)."""
    explain = min_score if explain_from is None else max(min_score, explain_from)
    found: list[Candidate] = []
    # The chunk's sentences: article, start and text of each.
    owners: list[int] = []
    starts: list[int] = []
    texts: list[str] = []

    def score_chunk() -> None:
        size = min(len(texts), SCORE_CHUNK)
        scored = score_sentences(texts[:size])
        scores = scored.scores
        rows = [i for i, score in enumerate(scores) if score >= min_score]
        explained = [i for i in rows if scores[i] >= explain]
        reasons = dict(zip(explained, scored.reason_texts(explained), strict=True))
        for i, words in zip(rows, scored.words(rows), strict=True):
            text, start = texts[i], starts[i]
            found.append(
                Candidate(
                    article_id=owners[i],
                    start=start,
                    end=start + len(text),
                    text=text,
                    score=scores[i],
                    reasons=reasons.get(i, ()),
                    words=words,
                )
            )
        # The chunk is the first SCORE_CHUNK sentences gathered (all, at the end): the sentences
        # after them wait for the next.
        del owners[:size], starts[:size], texts[:size]

    # Sentences are scored a chunk at a time (a sentence's score does not depend on the others
    # scored with it), so a body of millions of short lines is never held as sentences at once.
    with collector_paused():
        for article in articles:
            article_id = article.id
            for block_starts, block_texts in block_spans(article.body, article.language):
                owners.extend([article_id] * len(block_starts))
                starts.extend(block_starts)
                texts.extend(block_texts)
                while len(texts) >= SCORE_CHUNK:
                    score_chunk()
        if texts:
            score_chunk()
    return found


def rank(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Best first: highest score, then article and position (deterministic)."""
    return sorted(candidates, key=lambda c: (-c.score, c.article_id, c.start))


def plan_batch(
    candidates: Sequence[Candidate],
    claims: Sequence[ClaimText],
    *,
    thresholds: Thresholds,
) -> BatchPlan:
    """Match `candidates` to the claims on file and group the rest into proposed claims.

    A candidate at least `thresholds.similarity` similar to some wording of a claim is proposed
    as an appearance of the most similar claim. The others scoring at least `thresholds.suggest`
    are clustered (see `matching.cluster`): each group is one proposed claim.
    """
    with collector_paused():
        return _plan(candidates, claims, thresholds)


def _plan(
    candidates: Sequence[Candidate], claims: Sequence[ClaimText], thresholds: Thresholds
) -> BatchPlan:
    # Loaded here, not with the package: its scipy import costs every process that never
    # matches anything (the web workers, manage.py commands) a large part of a second.
    from articles.claimfinding.matching import TextSpace, best_matches, cluster

    space = TextSpace(
        [*map(attrgetter("text"), candidates), *map(attrgetter("text"), claims)],
        words=[*map(attrgetter("words"), candidates), *itertools.repeat(None, len(claims))],
    )
    sentence_rows = np.arange(len(candidates), dtype=np.int64)
    matches: list[ProposedMatch] = []
    if claims:
        groups = np.array([c.claim_id for c in claims], dtype=np.int64)
        for match in best_matches(
            space,
            sentence_rows,
            np.arange(len(candidates), len(space), dtype=np.int64),
            threshold=thresholds.similarity,
            target_groups=groups,
        ):
            matches.append(ProposedMatch(candidates[match.row], match.target, match.similarity))
    # The sentences to cluster: those that could be suggested, and the matched ones, so that a
    # group of outlets' sentences one of which restates a claim on file is proposed for that
    # claim as a whole (the others' wordings may be too far from the claim's own).
    claim_of = {id(m.candidate): m.claim_id for m in matches}
    rows = [
        i for i, c in enumerate(candidates) if id(c) in claim_of or c.score >= thresholds.suggest
    ]
    if not rows:
        return BatchPlan(matches, [])
    # Best first: highest score, then article, then position in `candidates`.
    members_of = [candidates[i] for i in rows]
    scores = np.fromiter((c.score for c in members_of), dtype=np.float64, count=len(rows))
    articles = np.fromiter((c.article_id for c in members_of), dtype=np.int64, count=len(rows))
    order = np.lexsort((np.arange(len(rows)), articles, -scores)).tolist()
    clusters = cluster(
        space, np.array(rows, dtype=np.int64), threshold=thresholds.cluster, order=order
    )
    members: dict[int, list[int]] = {}
    for position in order:
        members.setdefault(clusters.labels[position], []).append(position)
    plan_groups: list[Group] = []
    claim_rows: dict[int, list[int]] = {}
    for row, claim in enumerate(claims, start=len(candidates)):
        claim_rows.setdefault(claim.claim_id, []).append(row)
    # (candidate, claim) proposed through their group, and the pairs of rows to compare.
    through_group: list[tuple[Candidate, int]] = []
    left: list[int] = []
    right: list[int] = []
    similarities = clusters.similarities
    claimed_at = [claim_of.get(id(c)) for c in members_of]
    for positions in members.values():
        if len(positions) == 1 and claimed_at[positions[0]] is None:
            # Most groups: one sentence, matched to no claim.
            only = positions[0]
            plan_groups.append(Group((members_of[only],), (similarities[only],)))
            continue
        group = [members_of[p] for p in positions]
        claimed = [c for c in (claimed_at[p] for p in positions) if c is not None]
        if not claimed:
            plan_groups.append(
                Group(
                    members=tuple(group), similarities=tuple([similarities[p] for p in positions])
                )
            )
            continue
        # The claim most of the group's matched sentences restate (ties: the first matched).
        counts = Counter(claimed)
        claim_id = max(counts, key=lambda c: (counts[c], -claimed.index(c)))
        for position, candidate in zip(positions, group, strict=True):
            if claimed_at[position] is None:
                through_group.append((candidate, claim_id))
                left.extend([rows[position]] * len(claim_rows[claim_id]))
                right.extend(claim_rows[claim_id])
    if through_group:
        # Each such sentence's similarity to the nearest wording of its claim.
        similarity = space.similarity(np.array(left, dtype=np.int64), np.array(right))
        ends = np.cumsum([len(claim_rows[claim_id]) for _, claim_id in through_group])
        nearest = np.maximum.reduceat(similarity, np.r_[0, ends[:-1]])
        for (candidate, claim_id), value in zip(through_group, nearest.tolist(), strict=True):
            matches.append(ProposedMatch(candidate, claim_id, value))
    return BatchPlan(matches, plan_groups)
