"""Finding claims in articles, with no Django: sentence segmentation with exact offsets,
check-worthiness scores with reasons, matching sentences to claims and to each other, and
contradictions between the passages of one claim.

The services load rows, call these functions and write the results ("load, then compute").
Importing the package is light: `matching` (scipy's sparse matrices) is loaded by
`plan_batch` when a batch is matched, not by every process that imports the services.
"""

from articles.claimfinding import values, vocabulary, worthiness
from articles.claimfinding.contradictions import Contradiction, Passage, find_contradictions
from articles.claimfinding.finding import (
    ArticleText,
    BatchPlan,
    Candidate,
    ClaimText,
    Group,
    ProposedMatch,
    Thresholds,
    article_candidates,
    batch_candidates,
    plan_batch,
    rank,
)
from articles.claimfinding.segmentation import Sentence, split_sentences
from articles.claimfinding.text import normalise, sentence_key
from articles.claimfinding.worthiness import Reason, Worthiness, score_sentence, score_sentences


def clear_caches() -> None:
    """Empty the per-word tables the package keeps across runs (token ids, word features, name
    shapes, hashed word columns): what a fresh worker process starts with. For benchmarks that
    time a cold start, and for tests."""
    from articles.claimfinding import matching

    matching.clear_cache()
    values.clear_cache()
    worthiness.clear_cache()
    vocabulary.clear_cache()


__all__ = [
    "ArticleText",
    "BatchPlan",
    "Candidate",
    "ClaimText",
    "Contradiction",
    "Group",
    "Passage",
    "ProposedMatch",
    "Reason",
    "Sentence",
    "Thresholds",
    "Worthiness",
    "article_candidates",
    "batch_candidates",
    "clear_caches",
    "find_contradictions",
    "normalise",
    "plan_batch",
    "rank",
    "score_sentence",
    "score_sentences",
    "sentence_key",
    "split_sentences",
]
