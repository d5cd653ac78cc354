"""Reliability-weighted voting.

Two entry points share one model, the "one-coin" annotator: annotator ``w`` gives the true
label with probability ``a_w`` and each other label with probability ``(1 - a_w) / (L - 1)``.
Under that model with a uniform prior, the posterior of label ``k`` is the softmax of the sum
of the log-odds weights ``log((L - 1) * a_w / (1 - a_w))`` of the annotators who voted ``k``.

* :func:`weighted_vote` estimates the accuracies itself, iterating between consensus and
  accuracies (the standalone "weighted" method);
* :func:`posteriors_from_reliability` runs one E-step with reliabilities already estimated by a
  full Dawid-Skene run, falling back to the one-coin model, with a shrunk accuracy, for
  annotators with too little history.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from articles.consensus.agreement import estimated_accuracy
from articles.consensus.arrays import (
    EPS,
    Estimate,
    FloatArray,
    IntArray,
    Posteriors,
    Reliability,
    check_annotations,
    normalise_log_rows,
    posteriors_from_scores,
    stable_order,
    uniform_priors,
)
from articles.consensus.majority import majority_vote

ACCURACY_CLIP = 1e-3
"""Accuracies are kept in [1e-3, 1 - 1e-3] so no single annotator's weight is infinite."""


@dataclass(frozen=True, eq=False)
class WeightedResult:
    """Output of :func:`weighted_vote`.

    Attributes:
        posteriors: per-item probabilities (softmax of weighted votes); items without
            annotations get an all-zero row and label -1; ties (within 1e-12) get label -1.
        accuracy: ``(n_workers,)`` smoothed accuracy of each annotator against the final
            consensus (the Beta prior mean for annotators without annotations).
        weights: ``(n_workers,)`` log-odds vote weight ``log((L-1) a / (1-a))``; negative for
            annotators worse than chance.
        n_iter: iterations run.
        converged: True when no accuracy moved by more than ``tol`` in the last iteration.
    """

    posteriors: Posteriors
    accuracy: FloatArray
    weights: FloatArray
    n_iter: int
    converged: bool


def log_odds_weight(accuracy: FloatArray, n_labels: int) -> FloatArray:
    """Vote weight ``log((L - 1) * a / (1 - a))`` of a one-coin annotator with accuracy ``a``.

    Zero at chance level ``1/L``; ``a`` is clipped to ``[1e-3, 1 - 1e-3]`` first.
    """
    a = np.clip(accuracy, ACCURACY_CLIP, 1.0 - ACCURACY_CLIP)
    return np.asarray(np.log((n_labels - 1) * a / (1.0 - a)), dtype=np.float64)


def _weighted_scores(
    items: IntArray, labels: IntArray, weight: FloatArray, *, n_items: int, n_labels: int
) -> FloatArray:
    flat = np.bincount(items * n_labels + labels, weights=weight, minlength=n_items * n_labels)
    return np.asarray(flat.reshape(n_items, n_labels), dtype=np.float64)


def weighted_vote(
    item_idx: npt.ArrayLike,
    worker_idx: npt.ArrayLike,
    label_idx: npt.ArrayLike,
    *,
    n_items: int,
    n_labels: int,
    n_workers: int,
    max_iter: int = 50,
    tol: float = 1e-6,
    accuracy_prior: tuple[float, float] = (3.5, 1.5),
) -> WeightedResult:
    """Iteratively reweighted vote.

    Inputs: parallel annotation arrays and sizes; ``max_iter``/``tol`` bound the iteration;
    ``accuracy_prior = (a, b)`` is a Beta prior on each annotator's accuracy (default mean 0.7,
    worth 5 annotations), which keeps annotators with little work near the default.

    Algorithm: start from majority-vote shares. Each iteration sets an annotator's accuracy to
    ``(a + sum of the consensus probability of the label they gave) / (a + b + n_w)``, turns
    accuracies into log-odds weights and recomputes the consensus as the softmax of the weighted
    votes. Stops when no accuracy moves by more than ``tol``.

    Output: :class:`WeightedResult`. Tie rule: as for Dawid-Skene, two top posteriors within
    1e-12 make a tie (label -1, ``tie`` True).
    """
    items, workers, labels = check_annotations(
        item_idx, worker_idx, label_idx, n_items=n_items, n_workers=n_workers, n_labels=n_labels
    )
    prior_a, prior_b = _check_prior(accuracy_prior)
    if items.size > 1 and np.any(items[1:] < items[:-1]):
        # Sorted by item, the per-item gathers and scatters below read memory in order.
        order = stable_order(items, n_items)
        items, workers, labels = items[order], workers[order], labels[order]
    has_votes = np.bincount(items, minlength=n_items) > 0
    per_worker = np.bincount(workers, minlength=n_workers).astype(np.float64)
    probs = majority_vote(items, None, labels, n_items=n_items, n_labels=n_labels).probs
    flat_index = items * n_labels + labels

    accuracy = np.full(n_workers, prior_a / (prior_a + prior_b))
    n_iter = 0
    converged = False
    for _ in range(max_iter):
        agree = np.bincount(workers, weights=probs.ravel()[flat_index], minlength=n_workers)
        new_accuracy = (prior_a + agree) / (prior_a + prior_b + per_worker)
        weights = log_odds_weight(new_accuracy, n_labels)
        scores = _weighted_scores(
            items, labels, weights[workers], n_items=n_items, n_labels=n_labels
        )
        probs = normalise_log_rows(scores)
        n_iter += 1
        delta = float(np.max(np.abs(new_accuracy - accuracy))) if n_workers else 0.0
        accuracy = new_accuracy
        if delta <= tol:
            converged = True
            break

    return WeightedResult(
        posteriors=posteriors_from_scores(probs, has_votes),
        accuracy=accuracy,
        weights=log_odds_weight(accuracy, n_labels),
        n_iter=n_iter,
        converged=converged,
    )


def smoothed_accuracy(
    accuracy: FloatArray, history: IntArray, accuracy_prior: tuple[float, float]
) -> FloatArray:
    """Shrink observed accuracies toward the Beta prior mean.

    ``(a + accuracy * n) / (a + b + n)`` with ``n = history``: an annotator with no history gets
    the prior mean ``a / (a + b)``; the more work, the closer to their own accuracy. nan
    accuracies (no estimate) count as no history.
    """
    prior_a, prior_b = _check_prior(accuracy_prior)
    n = np.where(np.isfinite(accuracy), history, 0).astype(np.float64)
    observed = np.where(np.isfinite(accuracy), accuracy, 0.0)
    return np.asarray((prior_a + observed * n) / (prior_a + prior_b + n), dtype=np.float64)


def symmetric_confusion(accuracy: FloatArray, n_labels: int) -> FloatArray:
    """One-coin confusion matrices ``(W, L, L)``: ``a`` on the diagonal, the rest spread evenly."""
    a = np.clip(accuracy, ACCURACY_CLIP, 1.0 - ACCURACY_CLIP)[:, None, None]
    eye = np.eye(n_labels)
    return np.asarray(a * eye + (1.0 - a) / (n_labels - 1) * (1.0 - eye), dtype=np.float64)


def posteriors_from_reliability(
    item_idx: npt.ArrayLike,
    worker_idx: npt.ArrayLike,
    label_idx: npt.ArrayLike,
    *,
    n_items: int,
    n_labels: int,
    confusion: FloatArray,
    priors: FloatArray,
    history: npt.ArrayLike,
    min_history: int,
    accuracy_prior: tuple[float, float] = (7.0, 3.0),
) -> Posteriors:
    """One E-step with annotator reliabilities fixed (the per-claim recompute).

    Inputs:
        item_idx, worker_idx, label_idx: the annotations to score (typically one claim's).
        confusion: ``(W, L, L)`` Dawid-Skene confusion ``[true, given]`` from the last full
            run; rows of annotators it never saw may hold anything (nan included).
        priors: ``(L,)`` class prior from the same run.
        history: ``(W,)`` number of annotations each annotator had in that run.
        min_history: annotators with ``history >= min_history`` use their confusion matrix.
        accuracy_prior: Beta ``(a, b)``; others use a one-coin confusion whose accuracy is
            their Dawid-Skene accuracy ``sum_k priors[k] * confusion[w, k, k]`` shrunk toward
            ``a / (a + b)`` (default 0.7) by ``history`` annotations. A new annotator counts
            with the default accuracy but cannot outweigh established ones.

    Output: :class:`Posteriors` (``W`` is ``confusion.shape[0]``). Confusion entries and priors
    are floored at 1e-10 and renormalised, so a label an annotator never gave before gets a
    tiny, not impossible, probability. Tie rule: within 1e-12, label -1.
    """
    confusion = np.asarray(confusion, dtype=np.float64)
    if confusion.ndim != 3 or confusion.shape[1:] != (n_labels, n_labels):
        raise ValueError(
            f"confusion must have shape (W, {n_labels}, {n_labels}), got {confusion.shape}"
        )
    n_workers = int(confusion.shape[0])
    priors = np.asarray(priors, dtype=np.float64)
    if priors.shape != (n_labels,):
        raise ValueError(f"priors must have shape ({n_labels},), got {priors.shape}")
    history_arr = np.asarray(history)
    if history_arr.shape != (n_workers,):
        raise ValueError(f"history must have shape ({n_workers},), got {history_arr.shape}")
    history_counts = history_arr.astype(np.int64)
    items, workers, labels = check_annotations(
        item_idx, worker_idx, label_idx, n_items=n_items, n_workers=n_workers, n_labels=n_labels
    )

    accuracy = estimated_accuracy(confusion, priors)
    fallback = symmetric_confusion(
        smoothed_accuracy(accuracy, history_counts, accuracy_prior), n_labels
    )
    trusted = (history_counts >= min_history) & np.all(np.isfinite(confusion), axis=(1, 2))
    effective = np.where(trusted[:, None, None], confusion, fallback)
    effective = np.maximum(effective, EPS)
    effective /= effective.sum(axis=2, keepdims=True)
    log_conf = np.log(effective)
    log_prior = np.log(np.maximum(priors, EPS) / np.maximum(priors, EPS).sum())

    # scores[i, k] = log prior[k] + sum over i's annotations of log confusion[w, k, y]
    per_annotation = log_conf[workers, :, labels]  # (N, L): column k is true label k
    scores = np.empty((n_items, n_labels), dtype=np.float64)
    for k in range(n_labels):
        scores[:, k] = np.bincount(items, weights=per_annotation[:, k], minlength=n_items)
    scores += log_prior[None, :]
    has_votes = np.bincount(items, minlength=n_items) > 0
    return posteriors_from_scores(normalise_log_rows(scores), has_votes)


def weighted_fit(
    item_idx: IntArray,
    worker_idx: IntArray,
    label_idx: IntArray,
    *,
    n_items: int,
    n_workers: int,
    n_labels: int,
    known: IntArray | None = None,
) -> Estimate:
    """:func:`weighted_vote` as a registry fit. Its model is kept as the symmetric confusion its
    accuracies imply, so the per-claim scoring weighs each annotator by the accuracy this fit
    estimated. Known answers do not enter the estimate (the registry fixes known items' own
    consensus)."""
    del known
    result = weighted_vote(
        item_idx, worker_idx, label_idx, n_items=n_items, n_labels=n_labels, n_workers=n_workers
    )
    return Estimate(
        posteriors=result.posteriors,
        priors=uniform_priors(n_labels),
        confusion=symmetric_confusion(result.accuracy, n_labels),
        accuracy=result.accuracy,
        n_iter=result.n_iter,
        converged=result.converged,
    )


def weighted_score(
    item_idx: IntArray,
    worker_idx: IntArray,
    label_idx: IntArray,
    *,
    n_items: int,
    n_labels: int,
    reliability: Reliability | None,
    min_history: int,
) -> Posteriors:
    """Score a few items with a kept model, one-coin throughout: the weighted method never
    trusts a full confusion matrix, so every annotator counts by a smoothed accuracy whatever
    their history (``min_history`` is not used)."""
    del min_history
    if reliability is None:
        raise ValueError("the weighted method scores with a reliability model; none was given")
    return posteriors_from_reliability(
        item_idx,
        worker_idx,
        label_idx,
        n_items=n_items,
        n_labels=n_labels,
        confusion=reliability.confusion,
        priors=reliability.priors,
        history=reliability.history,
        min_history=int(np.iinfo(np.int64).max),
    )


def _check_prior(accuracy_prior: tuple[float, float]) -> tuple[float, float]:
    prior_a, prior_b = (float(v) for v in accuracy_prior)
    if prior_a <= 0 or prior_b <= 0:
        raise ValueError(f"accuracy_prior must be two positive numbers, got {accuracy_prior}")
    return prior_a, prior_b
