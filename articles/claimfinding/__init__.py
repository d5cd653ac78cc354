"""Finding claims in articles, with no Django: sentence segmentation with exact offsets,
check-worthiness scores with reasons, matching sentences to claims and to each other, and
contradictions between the passages of one claim.

The services load rows, call these functions and write the results ("load, then compute").
"""

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
    plan_batch,
    rank,
)
from articles.claimfinding.matching import normalise, sentence_key, vectorise
from articles.claimfinding.segmentation import Sentence, split_sentences
from articles.claimfinding.worthiness import Reason, Worthiness, score_sentence

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
    "find_contradictions",
    "normalise",
    "plan_batch",
    "rank",
    "score_sentence",
    "sentence_key",
    "split_sentences",
    "vectorise",
]
