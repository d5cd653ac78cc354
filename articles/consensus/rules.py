"""Decision rule: turn posteriors into a consensus status per claim."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from articles.consensus.arrays import FloatArray, IntArray, Posteriors

PENDING: Final = 0
SETTLED: Final = 1
CONTESTED: Final = 2
STATUS_NAMES: Final[tuple[str, ...]] = ("pending", "settled", "contested")
"""``STATUS_NAMES[code]`` is the lowercase name of a status code (matches the model choices)."""


@dataclass(frozen=True, eq=False)
class Outcome:
    """Per-item decision.

    Attributes:
        status: ``(n_items,)`` int8 codes ``PENDING``/``SETTLED``/``CONTESTED``.
        labels: ``(n_items,)`` int64 label code, -1 for ties and items without votes. A pending
            item keeps its provisional label when it has one.
        confidence: ``(n_items,)`` top posterior (0 without votes).
    """

    status: npt.NDArray[np.int8]
    labels: IntArray
    confidence: FloatArray

    @property
    def status_names(self) -> npt.NDArray[np.str_]:
        """Status names per item (``"pending"``, ``"settled"``, ``"contested"``)."""
        return np.asarray(STATUS_NAMES, dtype=np.str_)[self.status]


def threshold_problem(threshold: object) -> str | None:
    """Why ``threshold`` cannot be a decision threshold (a number in (0, 1]), or None."""
    number = not isinstance(threshold, bool) and isinstance(
        threshold, int | float | np.integer | np.floating
    )
    if number and 0.0 < float(threshold) <= 1.0:  # type: ignore[arg-type]
        return None
    return f"must be in (0, 1], got {threshold!r}"


def decide(
    posteriors: Posteriors,
    n_votes: npt.ArrayLike,
    *,
    min_votes: int | npt.NDArray[np.int64],
    threshold: float,
) -> Outcome:
    """Decide the status of every item.

    Inputs: the posteriors of any method, ``n_votes`` ``(n_items,)`` annotations per item,
    ``min_votes`` (one number, or one per item) and ``threshold`` (inclusive, in (0, 1]).

    Rules, in order:

    1. ``n_votes < min_votes`` -> PENDING (whatever the posteriors say);
    2. not a tie and top posterior ``>= threshold`` -> SETTLED;
    3. otherwise (a tie, or no label reaches the threshold) -> CONTESTED.

    An item with no votes is always PENDING (even with ``min_votes`` 0, since it has no label).
    """
    if problem := threshold_problem(threshold):
        raise ValueError(f"threshold {problem}")
    minimum = np.asarray(min_votes, dtype=np.int64)
    if np.any(minimum < 0):
        raise ValueError(f"min_votes must be non-negative, got {minimum.min()}")
    votes = np.asarray(n_votes)
    if votes.shape != (posteriors.n_items,):
        raise ValueError(f"n_votes must have shape ({posteriors.n_items},), got {votes.shape}")
    confidence = posteriors.confidence
    has_label = posteriors.labels >= 0
    settled = has_label & ~posteriors.tie & (confidence >= threshold)
    if minimum.ndim and minimum.shape != votes.shape:
        raise ValueError(f"min_votes must be one number or have shape {votes.shape}")
    pending = (votes < minimum) | (votes <= 0)
    status = np.where(pending, PENDING, np.where(settled, SETTLED, CONTESTED)).astype(np.int8)
    return Outcome(status=status, labels=posteriors.labels.copy(), confidence=confidence)
