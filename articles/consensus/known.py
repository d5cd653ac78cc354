"""Known answers: items whose true label the desk already knows (gold claims, published
verdicts), given to the math as ``known`` ``(n_items,)`` label codes, -1 where unknown."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from articles.consensus.arrays import NO_LABEL, FloatArray, IntArray, Posteriors

UNKNOWN = NO_LABEL
"""The ``known`` code of an item whose answer is not known."""


def known_codes(known: npt.ArrayLike | None, *, n_items: int, n_labels: int) -> IntArray:
    """``known`` checked and as int64 ``(n_items,)`` (all ``UNKNOWN`` when None). Raises
    ``ValueError`` on a wrong shape, a non-integer dtype or a code outside ``-1..L-1``."""
    if known is None:
        return np.full(n_items, UNKNOWN, dtype=np.int64)
    codes = np.asarray(known)
    if codes.shape != (n_items,):
        raise ValueError(f"known must have shape ({n_items},), got {codes.shape}")
    if codes.size and not np.issubdtype(codes.dtype, np.integer):
        raise ValueError(f"known must hold integer label codes, got dtype {codes.dtype}")
    result = codes.astype(np.int64, copy=False)
    if result.size and (result.min() < UNKNOWN or result.max() >= n_labels):
        raise ValueError(f"known codes must be -1 or lie in [0, {n_labels})")
    return result


def with_known_answers(posteriors: Posteriors, known: npt.ArrayLike | None) -> Posteriors:
    """``posteriors`` with every rated item of known answer set to that answer with certainty
    (truth fixed, not inferred). Items without annotations keep their empty row: they have no
    consensus to state, known answer or not."""
    if known is None:
        return posteriors
    codes = known_codes(known, n_items=posteriors.n_items, n_labels=posteriors.n_labels)
    fixed = np.flatnonzero((codes >= 0) & posteriors.has_votes)
    if not fixed.size:
        return posteriors
    probs = posteriors.probs.copy()
    probs[fixed] = 0.0
    probs[fixed, codes[fixed]] = 1.0
    labels = posteriors.labels.copy()
    labels[fixed] = codes[fixed]
    tie = posteriors.tie.copy()
    tie[fixed] = False
    return Posteriors(probs=probs, labels=labels, tie=tie)


def accuracy_on_known(
    item_idx: IntArray,
    worker_idx: IntArray,
    label_idx: IntArray,
    known: IntArray,
    *,
    n_workers: int,
) -> tuple[FloatArray, IntArray]:
    """Each annotator's accuracy on the items with a known answer: ``(accuracy, n_rated)``,
    both ``(n_workers,)``; accuracy is nan for annotators who rated none of them."""
    answer = known[item_idx]
    on_known = answer >= 0
    workers = worker_idx[on_known]
    n_rated = np.bincount(workers, minlength=n_workers).astype(np.int64)
    hits = np.bincount(
        workers, weights=(label_idx[on_known] == answer[on_known]), minlength=n_workers
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy = np.where(n_rated > 0, hits / np.maximum(n_rated, 1), np.nan)
    return np.asarray(accuracy, dtype=np.float64), n_rated
