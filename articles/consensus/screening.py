"""Screening annotators by their estimated confusion matrices: who rates near chance (a spammer)
and who rates against the truth (adversarial).

The measure is multiclass informedness, the mean over true labels ``t`` of
``P(gives t | truth t) - mean over t' != t of P(gives t | truth t')``: how much more often an
annotator gives a label when it is true than when it is not. It is 1 for a perfect annotator,
0 for anyone whose answer does not depend on the truth (a random guesser and someone who always
gives the same label alike, whatever their raw accuracy) and negative for an annotator who gives
a label less often when it is true. Unlike accuracy it does not reward a spammer for always
giving the most common label.
"""

from __future__ import annotations

import enum
from typing import Final

import numpy as np
import numpy.typing as npt

NEAR_CHANCE: Final = 0.2
"""Informedness within this distance of zero is "near chance"."""
MIN_RATINGS: Final = 20
"""Fewer ratings than this say too little about an annotator to flag them."""


class Screening(enum.Enum):
    RELIABLE = "reliable"
    SPAMMER = "spammer"  # near chance
    ADVERSARIAL = "adversarial"  # below chance
    TOO_FEW = "too few ratings"


def informedness(confusion: npt.ArrayLike) -> float:
    """Multiclass informedness of one ``(L, L)`` confusion matrix (rows: true label, columns:
    given label, each row a distribution). Raises ValueError for a matrix that is not square
    with at least two labels."""
    matrix = np.asarray(confusion, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] < 2:
        raise ValueError(f"expected a square confusion matrix of 2+ labels, got {matrix.shape}")
    n = matrix.shape[0]
    hits = np.diag(matrix)
    # Column sums minus the diagonal: how often each label is given when it is not true.
    false_alarms = (matrix.sum(axis=0) - hits) / (n - 1)
    return float(np.mean(hits - false_alarms))


def screen(value: float | None, *, n_ratings: int) -> Screening:
    """The screening verdict for an annotator's informedness over `n_ratings` ratings."""
    if value is None or n_ratings < MIN_RATINGS:
        return Screening.TOO_FEW
    if value < -NEAR_CHANCE:
        return Screening.ADVERSARIAL
    if value < NEAR_CHANCE:
        return Screening.SPAMMER
    return Screening.RELIABLE
