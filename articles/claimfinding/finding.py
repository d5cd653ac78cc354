"""The pipeline over articles: their check-worthy sentences, which of them restate claims on
file, and how the rest group into new claims across the articles of one batch."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from articles.claimfinding.segmentation import split_sentences
from articles.claimfinding.text import sentence_key
from articles.claimfinding.worthiness import score_sentence


@dataclass(frozen=True, slots=True)
class Thresholds:
    """`suggest`: least score for a suggestion; `match`: least score for a sentence to be
    compared with the claims on file (a restatement of a known claim may carry fewer features);
    `similarity`: least similarity to propose a sentence as an appearance of a claim;
    `cluster`: least similarity for two new sentences to be proposed as one claim."""

    suggest: float = 2.0
    match: float = 1.0
    similarity: float = 0.3
    # Higher than `similarity`: accepting a group adds an appearance in every member's article
    # in one click, so a wrong member costs more than a wrong proposal reviewed on its own.
    cluster: float = 0.4


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
    found: list[Candidate] = []
    for sentence in split_sentences(article.body, article.language):
        worthiness = score_sentence(sentence.text)
        if worthiness.score >= min_score:
            found.append(
                Candidate(
                    article_id=article.id,
                    start=sentence.start,
                    end=sentence.end,
                    text=sentence.text,
                    score=worthiness.score,
                    reasons=tuple(map(str, worthiness.reasons)),
                )
            )
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
    # Loaded here, not with the package: its scipy import costs every process that never
    # matches anything (the web workers, manage.py commands) a large part of a second.
    from articles.claimfinding.matching import TextSpace, best_matches, cluster

    space = TextSpace([c.text for c in candidates] + [c.text for c in claims])
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
    matched = {id(m.candidate) for m in matches}
    rows = [
        i
        for i, c in enumerate(candidates)
        if id(c) not in matched and c.score >= thresholds.suggest
    ]
    if not rows:
        return BatchPlan(matches, [])
    order = sorted(
        range(len(rows)),
        key=lambda i: (-candidates[rows[i]].score, candidates[rows[i]].article_id, rows[i]),
    )
    clusters = cluster(
        space, np.array(rows, dtype=np.int64), threshold=thresholds.cluster, order=order
    )
    members: dict[int, list[int]] = {}
    for position in order:
        members.setdefault(clusters.labels[position], []).append(position)
    plan_groups = [
        Group(
            members=tuple(candidates[rows[p]] for p in positions),
            similarities=tuple(clusters.similarities[p] for p in positions),
        )
        for positions in members.values()
    ]
    return BatchPlan(matches, plan_groups)
