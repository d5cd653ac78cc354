"""Plain majority vote: every annotation counts once."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from articles.consensus.arrays import (
    Estimate,
    IntArray,
    Posteriors,
    Reliability,
    check_annotations,
    posteriors_from_scores,
    uniform_priors,
    vote_counts,
)


def majority_vote(
    item_idx: npt.ArrayLike,
    worker_idx: npt.ArrayLike | None,
    label_idx: npt.ArrayLike,
    *,
    n_items: int,
    n_labels: int,
) -> Posteriors:
    """Vote shares per item as probabilities.

    Inputs: parallel annotation arrays (``worker_idx`` is only validated for length; it may be
    ``None``), ``n_items`` and ``n_labels``.

    Output: :class:`Posteriors` whose ``probs[i, k]`` is the share of item ``i``'s annotations
    with label ``k`` (an all-zero row for items without annotations).

    Tie rule: when two or more labels share the most votes the item is a tie: ``tie[i]`` is True
    and ``labels[i]`` is -1. A tie is never resolved by label order (crowd-kit's
    ``MajorityVote`` would pick the lowest label; we report it so an editor decides). Items with
    no annotations also get label -1 with ``tie`` False.
    """
    items, _, labels = check_annotations(
        item_idx,
        # Only the length is checked: a view of one zero that long (no array of that size).
        None if worker_idx is None else np.broadcast_to(np.int64(0), np.shape(worker_idx)),
        label_idx,
        n_items=n_items,
        n_workers=1,
        n_labels=n_labels,
    )
    counts = vote_counts(items, labels, n_items=n_items, n_labels=n_labels)
    totals = counts.sum(axis=1)
    has_votes = totals > 0
    shares = counts / np.where(has_votes, totals, 1.0)[:, None]
    # Equal counts give bit-identical shares, so exact comparison is the right tie test.
    return posteriors_from_scores(shares, has_votes, atol=0.0)


def majority_fit(
    item_idx: IntArray,
    worker_idx: IntArray,
    label_idx: IntArray,
    *,
    n_items: int,
    n_workers: int,
    n_labels: int,
    known: IntArray | None = None,
) -> Estimate:
    """Majority vote as a registry fit: no reliability model, no accuracy estimate. Known
    answers do not enter the vote (the registry fixes known items' own consensus)."""
    del known
    return Estimate(
        posteriors=majority_vote(
            item_idx, worker_idx, label_idx, n_items=n_items, n_labels=n_labels
        ),
        priors=uniform_priors(n_labels),
        confusion=None,
        accuracy=np.full(n_workers, np.nan),
        n_iter=0,
        converged=True,
    )


def majority_score(
    item_idx: IntArray,
    worker_idx: IntArray,
    label_idx: IntArray,
    *,
    n_items: int,
    n_labels: int,
    reliability: Reliability | None,
    min_history: int,
) -> Posteriors:
    """Majority vote as a registry score: every annotation counts once, whatever the model."""
    del reliability, min_history  # majority vote has no use for them
    return majority_vote(item_idx, worker_idx, label_idx, n_items=n_items, n_labels=n_labels)
