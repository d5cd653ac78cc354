"""Input validation and small array helpers shared by the consensus methods.

Every method takes the same input: three parallel integer arrays with one entry per
annotation, ``item_idx`` (which claim), ``worker_idx`` (which annotator) and ``label_idx``
(which category), plus the sizes ``n_items``, ``n_workers`` and ``n_labels``. Codes are dense:
``0 <= item_idx < n_items`` and so on. Labels are opaque categories; nothing here gives a
meaning to any code.

The result types live here too so every module shares them: :class:`Posteriors` is the
per-item probability table with its argmax and tie mask.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

NO_LABEL = -1
"""Label code used for items without a winner: no votes, or a tie."""

EPS = 1e-10
"""Floor for probabilities, confusion entries and priors before taking logs (crowd-kit's value),
so a label an annotator never gave is improbable, not impossible."""

TIE_ATOL = 1e-12
"""Two posteriors closer than this are a tie (posteriors live in [0, 1]; EM sums in a different
order can move a value by a few ulps, which must not decide a claim)."""


def as_index_array(values: npt.ArrayLike, *, size: int, name: str) -> IntArray:
    """Return ``values`` as a 1-d int64 array after checking every code is in ``[0, size)``.

    Raises ``ValueError`` naming the argument on a wrong shape, a non-integer dtype or an
    out-of-range code.
    """
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional, got shape {array.shape}")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name} must hold integer codes, got dtype {array.dtype}")
    result = array.astype(np.int64, copy=False)
    if result.size and (result.min() < 0 or result.max() >= size):
        raise ValueError(
            f"{name} codes must lie in [0, {size}), got [{result.min()}, {result.max()}]"
        )
    return result


def check_annotations(
    item_idx: npt.ArrayLike,
    worker_idx: npt.ArrayLike | None,
    label_idx: npt.ArrayLike,
    *,
    n_items: int,
    n_workers: int | None,
    n_labels: int,
) -> tuple[IntArray, IntArray, IntArray]:
    """Validate the parallel annotation arrays and return them as int64.

    ``worker_idx`` may be ``None`` for methods that ignore annotators (majority vote); an
    all-zero worker array is returned in its place. Raises ``ValueError`` when lengths differ,
    a size is invalid (``n_labels < 2``, negative counts) or a code is out of range.
    """
    if n_labels < 2:
        raise ValueError(f"n_labels must be at least 2, got {n_labels}")
    if n_items < 0:
        raise ValueError(f"n_items must be non-negative, got {n_items}")
    items = as_index_array(item_idx, size=n_items, name="item_idx")
    labels = as_index_array(label_idx, size=n_labels, name="label_idx")
    if worker_idx is None:
        workers = np.zeros(items.size, dtype=np.int64)
    else:
        if n_workers is None or n_workers < 0:
            raise ValueError(f"n_workers must be non-negative, got {n_workers}")
        workers = as_index_array(worker_idx, size=n_workers, name="worker_idx")
    if not (items.shape == workers.shape == labels.shape):
        raise ValueError(
            "item_idx, worker_idx and label_idx must have the same length, got "
            f"{items.size}, {workers.size}, {labels.size}"
        )
    return items, workers, labels


def vote_counts(
    item_idx: IntArray, label_idx: IntArray, *, n_items: int, n_labels: int
) -> FloatArray:
    """Count votes per (item, label): a ``(n_items, n_labels)`` float array."""
    key = item_idx * n_labels
    key += label_idx  # in place: one array of the annotations' size, not two
    flat = np.bincount(key, minlength=n_items * n_labels)
    return flat.reshape(n_items, n_labels).astype(np.float64)


def stable_order(keys: IntArray, n_keys: int) -> IntArray:
    """Permutation that stably sorts non-negative int ``keys`` (all ``< n_keys``).

    Packs ``(key, position)`` into one int64 and sorts the values, which numpy does with a
    vectorised sort several times faster than ``argsort(kind="stable")``; falls back to that
    when the packed value would not fit in 63 bits.
    """
    size = int(keys.size)
    bits = max(size - 1, 1).bit_length()
    if n_keys <= 0 or (n_keys - 1).bit_length() + bits > 62:
        return np.argsort(keys, kind="stable").astype(np.int64)
    packed = (keys.astype(np.int64) << bits) | np.arange(size, dtype=np.int64)
    packed.sort()
    return np.asarray(packed & ((1 << bits) - 1), dtype=np.int64)


def id_codes(ids: IntArray) -> tuple[IntArray, IntArray]:
    """Dense codes for integer ids: ``(uniques, codes)`` with ``uniques`` sorted and
    ``uniques[codes] == ids``, like ``np.unique(ids, return_inverse=True)``.

    Non-negative ids that are not spread much wider than their count (database keys) are coded
    through a lookup table in linear time instead of a sort.
    """
    if ids.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    low, high = int(ids.min()), int(ids.max())
    if low < 0 or high > 4 * ids.size + 1_000_000:
        uniques, codes = np.unique(ids, return_inverse=True)
        return uniques.astype(np.int64), codes.astype(np.int64).reshape(-1)
    present = np.bincount(ids, minlength=high + 1) > 0
    uniques = np.flatnonzero(present).astype(np.int64)
    lookup = np.cumsum(present, dtype=np.int64) - 1
    return uniques, lookup[ids]


def codes_in(values: IntArray, universe: IntArray) -> IntArray:
    """Position of each value in the sorted, duplicate-free ``universe``; -1 where absent."""
    if values.size == 0 or universe.size == 0:
        return np.full(values.size, -1, dtype=np.int64)
    low, high = int(universe[0]), int(universe[-1])
    if low >= 0 and high <= 4 * (universe.size + values.size) + 1_000_000:
        # Database keys: a lookup table is linear time; searchsorted is a binary search each.
        table = np.full(high + 2, -1, dtype=np.int64)
        table[universe] = np.arange(universe.size)
        return table[np.clip(values, -1, high + 1)]
    position = np.minimum(np.searchsorted(universe, values), universe.size - 1)
    return np.where(universe[position] == values, position, -1).astype(np.int64)


def sort_annotations(
    items: IntArray, workers: IntArray, labels: IntArray, *, n_workers: int, n_labels: int
) -> tuple[IntArray, IntArray, IntArray]:
    """The annotations ordered by item, then worker, then label: one canonical order, so sums
    over them do not depend on the order they were read in.

    Packs the three codes into one int64 and sorts the values (a fast vectorised sort, and no
    gathers); falls back to ``np.lexsort`` when the packed value would not fit in 63 bits.
    """
    n_items = int(items.max()) + 1 if items.size else 0
    if n_items * max(n_workers, 1) * max(n_labels, 1) >= 2**62:
        order = np.lexsort((labels, workers, items))
        return items[order], workers[order], labels[order]
    packed = (items * n_workers + workers) * n_labels + labels
    packed.sort()
    pair, label = np.divmod(packed, n_labels)
    item, worker = np.divmod(pair, n_workers)
    return item, worker, label


@dataclass(frozen=True, eq=False)
class Posteriors:
    """Per-item label probabilities with their argmax and tie mask.

    Attributes:
        probs: ``(n_items, n_labels)``; each row sums to 1, or is all zero for an item with no
            annotations (no evidence, so no distribution is claimed).
        labels: ``(n_items,)`` int64 argmax of ``probs``; ``NO_LABEL`` (-1) for items with no
            annotations and for ties.
        tie: ``(n_items,)`` bool; True when two or more labels share the top probability (within
            ``TIE_ATOL`` for model-based methods, exactly for vote counts). A tie is reported,
            never silently resolved.
    """

    probs: FloatArray
    labels: IntArray
    tie: BoolArray

    @property
    def n_items(self) -> int:
        return int(self.probs.shape[0])

    @property
    def n_labels(self) -> int:
        return int(self.probs.shape[1])

    @property
    def confidence(self) -> FloatArray:
        """Top posterior per item (0 for items without annotations)."""
        if self.probs.shape[0] == 0:
            return np.zeros(0, dtype=np.float64)
        return np.asarray(self.probs.max(axis=1), dtype=np.float64)

    @property
    def has_votes(self) -> BoolArray:
        """True for items whose row carries a distribution (at least one annotation)."""
        return np.asarray(self.probs.sum(axis=1) > 0, dtype=np.bool_)


def posteriors_from_scores(
    scores: FloatArray, has_votes: BoolArray, *, atol: float = TIE_ATOL
) -> Posteriors:
    """Build :class:`Posteriors` from an ``(n_items, n_labels)`` probability table.

    Rows of items without votes are zeroed. A row whose two largest entries differ by at most
    ``atol`` is a tie (``atol=0`` asks for exact equality, right for vote shares).
    """
    probs = np.where(has_votes[:, None], scores, 0.0)
    top, tie = _top_and_tie(np.ascontiguousarray(probs.T), atol)
    tie &= has_votes
    labels = np.where(has_votes & ~tie, top, NO_LABEL).astype(np.int64)
    return Posteriors(probs=probs, labels=labels, tie=tie)


def posteriors_from_columns(
    columns: FloatArray, rows: IntArray, *, n_items: int, atol: float = TIE_ATOL
) -> Posteriors:
    """:class:`Posteriors` from label-major probabilities ``(n_labels, len(rows))`` of the
    distinct items ``rows``; every other item has no votes (a zero row and no label)."""
    n_labels = columns.shape[0]
    top, tie = _top_and_tie(columns, atol)
    probs = np.zeros((n_items, n_labels), dtype=np.float64)
    for k in range(n_labels):  # column by column: far faster than scattering short rows
        probs[rows, k] = columns[k]
    labels = np.full(n_items, NO_LABEL, dtype=np.int64)
    labels[rows] = np.where(tie, NO_LABEL, top)
    ties = np.zeros(n_items, dtype=np.bool_)
    ties[rows] = tie
    return Posteriors(probs=probs, labels=labels, tie=ties)


def _top_and_tie(columns: FloatArray, atol: float) -> tuple[IntArray, BoolArray]:
    """Per item of label-major ``columns``: its best label, and whether the second best is
    within ``atol`` of it. Works one label at a time over contiguous columns (far faster than
    reductions along rows of length n_labels); among equal values the lowest label wins, as
    with argmax.

    The tie test counts the labels with ``best - value <= atol``: the best label itself and,
    since the rounded difference only grows as ``value`` falls, any other exactly when the
    second best is within ``atol`` (the same decision as ``best - second <= atol``)."""
    n_labels, n_items = columns.shape
    top = np.zeros(n_items, dtype=np.int64)
    if n_items == 0:
        return top, np.zeros(0, dtype=np.bool_)
    best = columns.max(axis=0)
    near = np.zeros(n_items, dtype=np.int32)
    gap = np.empty(n_items, dtype=np.float64)
    close = np.empty(n_items, dtype=np.bool_)
    for k in range(n_labels - 1, -1, -1):
        value = columns[k]
        np.subtract(best, value, out=gap)
        np.less_equal(gap, atol, out=close)
        near += close
        np.copyto(top, k, where=value == best)  # downwards: the lowest such label is kept
    return top, np.asarray(near >= 2, dtype=np.bool_)


def normalise_log_rows(log_scores: FloatArray) -> FloatArray:
    """Row-wise softmax of log scores, shifted by the row max so nothing overflows."""
    if log_scores.shape[0] == 0:
        return np.zeros_like(log_scores)
    shifted = log_scores - log_scores.max(axis=1, keepdims=True)
    np.exp(shifted, out=shifted)
    shifted /= shifted.sum(axis=1, keepdims=True)
    return np.asarray(shifted, dtype=np.float64)


@dataclass(frozen=True, eq=False)
class Estimate:
    """What a consensus method's fit over a whole crowd returns, whatever the method.

    Attributes:
        posteriors: the fit's own per-item posteriors.
        priors: ``(n_labels,)`` class prior (uniform for methods without one).
        confusion: ``(n_workers, n_labels, n_labels)`` confusion ``[true, given]`` the sweep's
            scoring reads back, or ``None`` for a method without a reliability model.
        accuracy: ``(n_workers,)`` estimated accuracy per annotator; nan where the method has
            no estimate.
        n_iter: iterations run (0 for a method that does not iterate).
        converged: False only when an iterative method stopped at its iteration cap.
        temperature: the evidence temperature the sweep's scoring applies with this model
            (1 for methods that do not calibrate; see :mod:`articles.consensus.calibration`).
        calibration: how the method calibrated its confidence, as JSON-ready facts (stored
            with the run); empty for methods that do not.
    """

    posteriors: Posteriors
    priors: FloatArray
    confusion: FloatArray | None
    accuracy: FloatArray
    n_iter: int
    converged: bool
    temperature: float = 1.0
    calibration: Mapping[str, object] = field(default_factory=dict)

    def reliability(self, history: IntArray) -> Reliability:
        """The model this fit keeps for scoring claims later (``history``: each annotator's
        annotations in the fit). Raises ``ValueError`` for a method that fitted none."""
        if self.confusion is None:
            raise ValueError("this fit has no reliability model")
        return Reliability(
            confusion=self.confusion,
            priors=self.priors,
            history=history,
            temperature=self.temperature,
        )


@dataclass(frozen=True, eq=False)
class Reliability:
    """A reliability model kept from a full fit, with which a few claims are scored later.

    Attributes:
        confusion: ``(W, L, L)`` confusion ``[true, given]`` per annotator; rows of annotators
            the fit never saw may hold anything (nan included).
        priors: ``(L,)`` class prior.
        history: ``(W,)`` annotations each annotator had in the fit.
        temperature: the fit's evidence temperature (1: the model's evidence as it is).
    """

    confusion: FloatArray
    priors: FloatArray
    history: IntArray
    temperature: float = 1.0


def uniform_priors(n_labels: int) -> FloatArray:
    """The class prior of a method that estimates none: ``1 / n_labels`` each."""
    return np.full(n_labels, 1.0 / n_labels)
