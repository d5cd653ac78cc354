"""Agreement statistics: Krippendorff's alpha, agreement with consensus, estimated accuracy.

Krippendorff's alpha (nominal) is computed from the coincidence matrix, vectorised over items
(and over groups for :func:`alpha_by_group`). With ``n_uk`` the number of annotations of item
``u`` with label ``k`` and ``m_u`` the item's annotation count, only items with ``m_u >= 2``
are pairable; then

* ``n_k = sum_u n_uk`` and ``n = sum_k n_k`` over pairable items,
* observed agreement mass ``A = sum_u sum_k n_uk (n_uk - 1) / (m_u - 1)``,
* ``alpha = 1 - (n - 1) (n - A) / (n**2 - sum_k n_k**2)``.

Alpha is nan when it is undefined: fewer than two pairable values, or every pairable value the
same label (no expected disagreement).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from articles.consensus.arrays import (
    FloatArray,
    as_index_array,
    check_annotations,
    vote_counts,
)


def _alpha_from_sums(
    n: FloatArray, agreement_mass: FloatArray, label_totals: FloatArray
) -> FloatArray:
    """Vectorised alpha from per-group ``n``, ``A`` and ``n_k`` (``label_totals`` is (G, L))."""
    expected = n**2 - np.sum(label_totals**2, axis=1)
    defined = (n >= 2) & (expected > 0)
    safe_expected = np.where(defined, expected, 1.0)
    alpha = 1.0 - (n - 1.0) * (n - agreement_mass) / safe_expected
    return np.asarray(np.where(defined, alpha, np.nan), dtype=np.float64)


def _pairable_parts(counts: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per item: pairable mask as 0/1 weight, agreement mass ``A_u`` and masked counts."""
    m = counts.sum(axis=1)
    pairable = m >= 2
    inverse = np.where(pairable, 1.0 / np.where(pairable, m - 1.0, 1.0), 0.0)
    mass = np.sum(counts * (counts - 1.0), axis=1) * inverse
    masked = counts * pairable[:, None]
    return pairable.astype(np.float64), mass, masked


def krippendorff_alpha(
    item_idx: npt.ArrayLike,
    worker_idx: npt.ArrayLike,
    label_idx: npt.ArrayLike,
    *,
    n_items: int,
    n_workers: int,
    n_labels: int,
) -> float:
    """Krippendorff's alpha for nominal labels over all items.

    Each annotation is one value of its item (an annotator should rate an item once; if the
    data repeats a pair, both values count). Items with a single annotation carry no pairing
    information and are left out. Returns nan when alpha is undefined.
    """
    items, _, labels = check_annotations(
        item_idx, worker_idx, label_idx, n_items=n_items, n_workers=n_workers, n_labels=n_labels
    )
    counts = vote_counts(items, labels, n_items=n_items, n_labels=n_labels)
    _, mass, masked = _pairable_parts(counts)
    label_totals = masked.sum(axis=0)[None, :]
    n = np.array([label_totals.sum()])
    return float(_alpha_from_sums(n, np.array([mass.sum()]), label_totals)[0])


def alpha_by_group(
    item_idx: npt.ArrayLike,
    worker_idx: npt.ArrayLike,
    label_idx: npt.ArrayLike,
    *,
    n_items: int,
    n_workers: int,
    n_labels: int,
    group_of_item: npt.ArrayLike,
    n_groups: int,
) -> FloatArray:
    """Krippendorff's alpha per group of items (e.g. per article), ``(n_groups,)``.

    ``group_of_item[i]`` is the group code of item ``i`` (``0 <= code < n_groups``). Each group's
    alpha equals :func:`krippendorff_alpha` on that group's annotations; nan for groups where it
    is undefined (no pairable items, or one label only).
    """
    items, _, labels = check_annotations(
        item_idx, worker_idx, label_idx, n_items=n_items, n_workers=n_workers, n_labels=n_labels
    )
    groups = as_index_array(group_of_item, size=n_groups, name="group_of_item")
    if groups.shape != (n_items,):
        raise ValueError(f"group_of_item must have shape ({n_items},), got {groups.shape}")
    counts = vote_counts(items, labels, n_items=n_items, n_labels=n_labels)
    _, mass, masked = _pairable_parts(counts)
    group_mass = np.asarray(np.bincount(groups, weights=mass, minlength=n_groups), dtype=np.float64)
    label_totals = np.empty((n_groups, n_labels), dtype=np.float64)
    for k in range(n_labels):
        label_totals[:, k] = np.bincount(groups, weights=masked[:, k], minlength=n_groups)
    return _alpha_from_sums(label_totals.sum(axis=1), group_mass, label_totals)


def agreement_with_consensus(
    item_idx: npt.ArrayLike,
    worker_idx: npt.ArrayLike,
    label_idx: npt.ArrayLike,
    consensus_labels: npt.ArrayLike,
    *,
    n_workers: int,
) -> FloatArray:
    """Share of each annotator's annotations that equal the consensus label, ``(n_workers,)``.

    Only items with a consensus label (``consensus_labels[i] >= 0``) count; ties and unlabelled
    items (-1) are skipped. nan for annotators with no annotation on a labelled item. The
    annotator's own vote is part of the consensus it is compared with.
    """
    consensus = np.asarray(consensus_labels)
    if consensus.ndim != 1:
        raise ValueError("consensus_labels must be 1-dimensional")
    n_items = int(consensus.shape[0])
    items = as_index_array(item_idx, size=n_items, name="item_idx")
    workers = as_index_array(worker_idx, size=n_workers, name="worker_idx")
    labels = np.asarray(label_idx)
    if not (items.shape == workers.shape == labels.shape):
        raise ValueError("item_idx, worker_idx and label_idx must have the same length")
    # Labels are few: each annotation's consensus label in the smallest type that holds them
    # (a copy per annotation of an 8-byte code costs more than the sums below).
    small = np.min_scalar_type(-max(int(consensus.max(initial=0)), 1))
    target = consensus.astype(small, copy=False)[items]
    counted = target >= 0
    agreed = counted & (labels == target)
    agree = np.bincount(workers[agreed], minlength=n_workers)
    total = np.bincount(workers[counted], minlength=n_workers)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = agree / total
    return np.asarray(np.where(total > 0, share, np.nan), dtype=np.float64)


def estimated_accuracy(confusion: FloatArray, priors: FloatArray) -> FloatArray:
    """Model accuracy of each annotator, ``sum_k priors[k] * confusion[w, k, k]``, ``(W,)``.

    ``confusion`` is ``(W, L, L)`` ``[true, given]`` and ``priors`` is ``(L,)``. Rows holding nan
    give nan.
    """
    confusion = np.asarray(confusion, dtype=np.float64)
    diagonal = np.diagonal(confusion, axis1=1, axis2=2)
    return np.asarray(diagonal @ np.asarray(priors, dtype=np.float64), dtype=np.float64)


def item_agreement(
    item_idx: npt.ArrayLike,
    label_idx: npt.ArrayLike,
    *,
    n_items: int,
    n_labels: int,
) -> FloatArray:
    """Observed agreement per item: share of its annotations equal to its most frequent label.

    ``(n_items,)``; 1.0 for unanimity, ``1/2`` for a 2-2 split; nan for items without
    annotations. On a tie the shared top count is used, so the value does not depend on which
    label wins.
    """
    items = as_index_array(item_idx, size=n_items, name="item_idx")
    labels = as_index_array(label_idx, size=n_labels, name="label_idx")
    if items.shape != labels.shape:
        raise ValueError("item_idx and label_idx must have the same length")
    counts = vote_counts(items, labels, n_items=n_items, n_labels=n_labels)
    total = counts.sum(axis=1)
    top = counts.max(axis=1) if n_items else np.zeros(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = top / total
    return np.asarray(np.where(total > 0, share, np.nan), dtype=np.float64)
