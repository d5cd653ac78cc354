"""Which sentences state the same claim: lexical similarity of sentences to each other and to
the claims on file, and clustering of one batch's sentences into claims.

Sentences become TF-IDF vectors over content words (function and reporting words dropped,
casefolded, cut to their first five letters: a crude stemmer that works across the Latin-script
languages, so "trained"/"training" and "Klage"/"Klagen" meet) and numbers. The IDF is taken from
the texts being compared in one run, and words in more than `max_df` of them count for nothing.
Similarity is the cosine of two vectors, from 0 (no content word shared) to 1.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

from articles.claimfinding.lexicon import STOPWORDS

STEM = 5
N_FEATURES = 2**20
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:[-'\u2019][^\W\d_]+)*")
_SPACES = re.compile(r"\s+")
# Currency symbols as words, so "$42,000" and "42,000 USD" share both tokens.
_SYMBOLS = str.maketrans({"$": " usd ", "€": " eur ", "£": " gbp ", "¥": " jpy "})


def normalise(text: str) -> str:
    """The sentence as compared for identity: NFKC, casefolded, whitespace collapsed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def sentence_key(text: str) -> str:
    """A stable key of a sentence's wording (SHA-256 of `normalise(text)`, hex)."""
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


def content_tokens(text: str) -> list[str]:
    """The words that carry a sentence's content, stemmed; numbers without separators;
    currency symbols as their codes."""
    tokens: list[str] = []
    for raw in _TOKEN.findall(text.casefold().translate(_SYMBOLS)):
        if raw[0].isdigit():
            tokens.append(raw.replace(",", "").replace(".", ""))
        elif len(raw) > 1 and raw not in STOPWORDS:
            tokens.append(raw[:STEM])
    return tokens


@functools.cache
def _hasher() -> Any:
    # scikit-learn is imported on first use: importing it (with scipy.stats and pandas) takes
    # seconds, which every process that loads the admin (any manage.py command, each worker)
    # would otherwise pay at start-up whether or not it ever matches a sentence.
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(
        analyzer=content_tokens,
        n_features=N_FEATURES,
        alternate_sign=False,
        norm=None,
        dtype=np.float32,
    )


# A scipy.sparse CSR matrix (scipy ships no type hints).
Matrix: TypeAlias = Any


def vectorise(texts: Sequence[str], *, max_df: float = 0.05, min_texts: int = 100) -> Matrix:
    """L2-normalised TF-IDF rows of `texts` (sublinear term frequency, IDF from `texts`).

    Words found in more than `max_df` of the texts weigh nothing, once there are at least
    `min_texts` texts (a handful of articles on one story share most of their words).
    """
    n = len(texts)
    if n == 0:
        from scipy import sparse

        return sparse.csr_matrix((0, N_FEATURES), dtype=np.float32)
    counts: Matrix = _hasher().transform(texts).tocsr()
    counts.data = 1.0 + np.log(counts.data, dtype=np.float32)
    df = np.bincount(counts.indices, minlength=N_FEATURES)
    idf = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
    if n >= min_texts:
        idf[df > max_df * n] = 0.0
    counts.data *= idf[counts.indices]
    counts.eliminate_zeros()
    from sklearn.preprocessing import normalize

    return normalize(counts, copy=False)


@dataclass(frozen=True, slots=True)
class Match:
    """Row `row` of the sentences is most like row `target` of the targets, at `similarity`."""

    row: int
    target: int
    similarity: float


def best_matches(
    sentences: Matrix,
    targets: Matrix,
    *,
    threshold: float,
    target_groups: npt.NDArray[np.int64] | None = None,
    chunk: int = 2048,
) -> list[Match]:
    """For each sentence, the target it is most similar to, when at least `threshold`.

    With `target_groups` (one group id per target row, e.g. the claim each text belongs to),
    `target` is the group of the best row instead.
    """
    matches: list[Match] = []
    if sentences.shape[0] == 0 or targets.shape[0] == 0:
        return matches
    targets_t = targets.T.tocsc()
    for begin in range(0, sentences.shape[0], chunk):
        block = (sentences[begin : begin + chunk] @ targets_t).tocsr()
        block.data[block.data < threshold] = 0
        block.eliminate_zeros()
        if block.nnz == 0:
            continue
        rows = np.flatnonzero(np.diff(block.indptr))
        best = np.asarray(block[rows].argmax(axis=1)).ravel()
        sims = np.asarray(block[rows].max(axis=1).toarray()).ravel()
        for row, column, similarity in zip(rows, best, sims, strict=True):
            target = int(target_groups[column]) if target_groups is not None else int(column)
            matches.append(Match(int(row) + begin, target, float(similarity)))
    return matches


def cluster(
    vectors: Matrix,
    *,
    threshold: float,
    order: Sequence[int],
    chunk: int = 2048,
) -> list[int]:
    """A cluster id per row: rows that state the same claim share it.

    Greedy and deterministic: rows are taken in `order` (best first); a row not yet clustered
    leads a new cluster, which takes every unclustered row at least `threshold` similar to the
    leader. Members join the leader, not each other, so a cluster never drifts from "A is like
    B is like C" to an A unlike C. The cluster id is the leader's row.
    """
    n = vectors.shape[0]
    labels = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return []
    from scipy import sparse

    # Neighbours of every row at or above the threshold, built in blocks.
    transposed = vectors.T.tocsc()
    blocks: list[Matrix] = []
    for begin in range(0, n, chunk):
        block = (vectors[begin : begin + chunk] @ transposed).tocsr()
        block.data[block.data < threshold] = 0
        block.eliminate_zeros()
        blocks.append(block)
    graph: Matrix = sparse.vstack(blocks, format="csr") if blocks else vectors
    indptr, indices = graph.indptr, graph.indices
    for row in order:
        if labels[row] != -1:
            continue
        labels[row] = row
        neighbours = indices[indptr[row] : indptr[row + 1]]
        free = neighbours[labels[neighbours] == -1]
        labels[free] = row
    return [int(label) for label in labels]
