"""Calibrated Dawid-Skene: the desk's default method, whose confidence means what it says.

Three changes to plain Dawid-Skene, each answering one way real crowds break its assumptions:

1. **Known answers anchor the estimate.** Items with a known label (gold claims, published
   verdicts) have their truth fixed in EM, not inferred (:func:`dawid_skene` with ``known``).
2. **Dirichlet priors on the confusion matrices** (a MAP estimate): each annotator's row for
   true label ``k`` starts from ``PRIOR_STRENGTH`` pseudo-ratings with accuracy
   ``PRIOR_ACCURACY`` (errors spread evenly). An annotator with two ratings no longer gets a
   near-perfect confusion matrix fitted to those two; an annotator nobody has seen yet counts
   with the prior's accuracy.
3. **A temperature** ``T`` on the annotations' evidence, ``p(k) ∝ prior(k) * exp(LL(k) / T)``
   (see :mod:`articles.consensus.calibration`), fitted
   * on the known answers when at least ``MIN_KNOWN`` items have one: ``N_FOLDS``-fold
     cross-validation, each fold's known labels hidden from the EM that scores them;
   * otherwise on the crowd itself, predicting each held-out rating from the item's others.

Assumptions (stated in the README too): the miscalibration is roughly uniform across items, so
one temperature can correct it (it corrects overconfidence from correlated annotators, hard
items and sparse annotators on average, not item by item); known answers are a fair sample of
the claims (gold chosen like the rest, or published verdicts whose claims resemble the open
ones); without known answers, a crowd whose ratings predict each other poorly is also wrong
more often than it believes. A crowd that agrees on a wrong answer (a shared error on every
rating) cannot be detected without known answers.

Deterministic: folds are a fixed permutation of the known items; the temperature search has a
fixed number of steps; ties as in Dawid-Skene (two top posteriors within 1e-12: label -1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

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
    posteriors_from_scores,
    sort_annotations,
)
from articles.consensus.calibration import (
    fit_temperature_held_out,
    fit_temperature_known,
    log_likelihoods,
    tempered_probs,
)
from articles.consensus.dawid_skene import dawid_skene
from articles.consensus.known import with_known_answers

PRIOR_ACCURACY: Final = 0.7
PRIOR_STRENGTH: Final = 8.0
"""Pseudo-ratings per true label of every annotator's Dirichlet prior."""

CLASS_PRIOR: Final = 1.0
"""Pseudo-items of each label in the class prior (a label no item seems to have yet keeps a
small prior probability instead of none)."""

MIN_KNOWN: Final = 50
"""Known answers needed (on rated items) to fit the temperature on them."""

N_FOLDS: Final = 5
FOLD_SEED: Final = 20_240_614
"""Seed of the fixed permutation that deals known items into folds."""

SOURCE_KNOWN: Final = "known answers"
SOURCE_HELD_OUT: Final = "held-out ratings"
SOURCE_NONE: Final = "none"


def confusion_prior(n_labels: int) -> FloatArray:
    """Dirichlet pseudo-counts ``[true, given]``: ``PRIOR_STRENGTH`` per row, a share
    ``PRIOR_ACCURACY`` on the diagonal and the rest spread evenly."""
    off = (1.0 - PRIOR_ACCURACY) / (n_labels - 1)
    eye = np.eye(n_labels)
    return np.asarray(PRIOR_STRENGTH * (PRIOR_ACCURACY * eye + off * (1.0 - eye)), np.float64)


def prior_confusion(n_labels: int) -> FloatArray:
    """The prior's mean confusion matrix: how an annotator the fit has not seen counts."""
    prior = confusion_prior(n_labels)
    return np.asarray(prior / prior.sum(axis=1, keepdims=True), dtype=np.float64)


@dataclass(frozen=True, eq=False)
class CalibratedResult:
    """Output of :func:`calibrated_dawid_skene`.

    Attributes:
        posteriors: calibrated posteriors; items with a known answer hold it with certainty.
        priors: ``(L,)`` class prior.
        confusion: ``(W, L, L)`` MAP confusion matrices ``[true, given]``.
        temperature: the fitted temperature.
        source: what it was fitted on (``SOURCE_KNOWN``, ``SOURCE_HELD_OUT`` or
            ``SOURCE_NONE`` when there was nothing to fit on).
        n_known: rated items with a known answer.
        n_iter, converged: of the main EM.
    """

    posteriors: Posteriors
    priors: FloatArray
    confusion: FloatArray
    temperature: float
    source: str
    n_known: int
    n_iter: int
    converged: bool


def calibrated_dawid_skene(
    item_idx: npt.ArrayLike,
    worker_idx: npt.ArrayLike,
    label_idx: npt.ArrayLike,
    *,
    n_items: int,
    n_workers: int,
    n_labels: int,
    known: npt.ArrayLike | None = None,
) -> CalibratedResult:
    """Fit calibrated Dawid-Skene (see the module docstring).

    Inputs: the usual annotation arrays and sizes; ``known`` ``(n_items,)`` known label codes,
    -1 where unknown. Raises ``ValueError`` on malformed input.
    """
    items, workers, labels = check_annotations(
        item_idx, worker_idx, label_idx, n_items=n_items, n_workers=n_workers, n_labels=n_labels
    )
    # One canonical order, so the sums (and the output) do not depend on the input's order
    # (the full recompute hands them over in that order already).
    key = (items * max(n_workers, 1) + workers) * n_labels + labels
    if items.size > 1 and np.any(key[1:] < key[:-1]):
        items, workers, labels = sort_annotations(
            items, workers, labels, n_workers=n_workers, n_labels=n_labels
        )
    truth = (
        np.full(n_items, -1, dtype=np.int64)
        if known is None
        else np.asarray(known).astype(np.int64, copy=False)
    )
    if truth.shape != (n_items,):
        raise ValueError(f"known must have shape ({n_items},), got {truth.shape}")
    prior_counts = confusion_prior(n_labels)
    fit = dawid_skene(
        items,
        workers,
        labels,
        n_items=n_items,
        n_workers=n_workers,
        n_labels=n_labels,
        known=truth,
        confusion_prior=prior_counts,
        class_prior=CLASS_PRIOR,
    )
    log_prior = np.log(np.maximum(fit.priors, EPS))
    loglik = log_likelihoods(
        items, workers, labels, n_items=n_items, log_confusion=np.log(fit.confusion)
    )
    has_votes = np.bincount(items, minlength=n_items) > 0
    rated_known = np.flatnonzero((truth >= 0) & has_votes)

    if rated_known.size >= MIN_KNOWN:
        temperature = _temperature_from_known(
            items, workers, labels, truth, rated_known, n_workers=n_workers, n_labels=n_labels
        )
        source = SOURCE_KNOWN
    elif items.size:
        counts = _expected_counts(items, workers, labels, fit.posteriors.probs, n_workers=n_workers)
        temperature = fit_temperature_held_out(
            items,
            workers,
            labels,
            loglik=loglik,
            posteriors=fit.posteriors.probs,
            counts=counts,
            prior_counts=prior_counts,
            log_prior=log_prior,
        )
        source = SOURCE_HELD_OUT
    else:
        temperature, source = 1.0, SOURCE_NONE

    posteriors = with_known_answers(
        posteriors_from_scores(tempered_probs(log_prior, loglik, temperature), has_votes), truth
    )
    return CalibratedResult(
        posteriors=posteriors,
        priors=fit.priors,
        confusion=fit.confusion,
        temperature=temperature,
        source=source,
        n_known=int(rated_known.size),
        n_iter=fit.n_iter,
        converged=fit.converged,
    )


def fold_of(rated_known: IntArray, n_folds: int = N_FOLDS) -> IntArray:
    """The fold (``0..n_folds-1``) of each known item: a fixed permutation dealt round-robin,
    so folds are balanced and the same input always gives the same folds."""
    order = np.random.default_rng(FOLD_SEED).permutation(rated_known.size)
    folds = np.empty(rated_known.size, dtype=np.int64)
    folds[order] = np.arange(rated_known.size) % n_folds
    return folds


def _temperature_from_known(
    items: IntArray,
    workers: IntArray,
    labels: IntArray,
    truth: IntArray,
    rated_known: IntArray,
    *,
    n_workers: int,
    n_labels: int,
) -> float:
    """Cross-validated temperature: each fold's known items are scored by an EM that did not
    see their labels; the temperature maximises the likelihood of all those held-out labels."""
    folds = fold_of(rated_known)
    prior_counts = confusion_prior(n_labels)
    held_loglik = np.empty((rated_known.size, n_labels), dtype=np.float64)
    held_prior = np.empty((rated_known.size, n_labels), dtype=np.float64)
    n_items = truth.size
    for fold in range(N_FOLDS):
        hidden = rated_known[folds == fold]
        if not hidden.size:
            continue
        partial = truth.copy()
        partial[hidden] = -1
        fit = dawid_skene(
            items,
            workers,
            labels,
            n_items=n_items,
            n_workers=n_workers,
            n_labels=n_labels,
            known=partial,
            confusion_prior=prior_counts,
            class_prior=CLASS_PRIOR,
        )
        # Only the hidden items' log-likelihoods: their annotations, under this fold's model.
        mine = np.isin(items, hidden)
        loglik = log_likelihoods(
            items[mine],
            workers[mine],
            labels[mine],
            n_items=n_items,
            log_confusion=np.log(fit.confusion),
        )
        held_loglik[folds == fold] = loglik[hidden]
        held_prior[folds == fold] = np.log(np.maximum(fit.priors, EPS))
    return fit_temperature_known(held_prior, held_loglik, truth[rated_known])


def _expected_counts(
    items: IntArray, workers: IntArray, labels: IntArray, posteriors: FloatArray, *, n_workers: int
) -> FloatArray:
    """``counts[w, k, y]``: posterior mass of true label ``k`` over ``w``'s ratings ``y``."""
    n_labels = posteriors.shape[1]
    bins = workers * n_labels + labels
    counts = np.empty((n_labels, n_workers * n_labels), dtype=np.float64)
    for k in range(n_labels):
        counts[k] = np.bincount(bins, weights=posteriors[items, k], minlength=counts.shape[1])
    return np.ascontiguousarray(counts.reshape(n_labels, n_workers, n_labels).transpose(1, 0, 2))


def calibrated_fit(
    item_idx: IntArray,
    worker_idx: IntArray,
    label_idx: IntArray,
    *,
    n_items: int,
    n_workers: int,
    n_labels: int,
    known: IntArray | None = None,
) -> Estimate:
    """:func:`calibrated_dawid_skene` as a registry fit."""
    result = calibrated_dawid_skene(
        item_idx,
        worker_idx,
        label_idx,
        n_items=n_items,
        n_workers=n_workers,
        n_labels=n_labels,
        known=known,
    )
    return Estimate(
        posteriors=result.posteriors,
        priors=result.priors,
        confusion=result.confusion,
        accuracy=estimated_accuracy(result.confusion, result.priors),
        n_iter=result.n_iter,
        converged=result.converged,
        temperature=result.temperature,
        calibration={
            "temperature": round(result.temperature, 6),
            "source": result.source,
            "n_known": result.n_known,
        },
    )


def calibrated_score(
    item_idx: IntArray,
    worker_idx: IntArray,
    label_idx: IntArray,
    *,
    n_items: int,
    n_labels: int,
    reliability: Reliability | None,
    min_history: int,
) -> Posteriors:
    """Score a few items with a kept model and its temperature: every annotator by their MAP
    confusion matrix (the Dirichlet prior already shrinks sparse ones, so ``min_history`` is
    not used), an annotator the fit has not seen by the prior's mean matrix."""
    del min_history
    if reliability is None:
        raise ValueError("calibrated Dawid-Skene scores with a reliability model; none was given")
    items, workers, labels = check_annotations(
        item_idx,
        worker_idx,
        label_idx,
        n_items=n_items,
        n_workers=int(reliability.confusion.shape[0]),
        n_labels=n_labels,
    )
    confusion = np.asarray(reliability.confusion, dtype=np.float64)
    unseen = (np.asarray(reliability.history) <= 0) | ~np.all(np.isfinite(confusion), axis=(1, 2))
    confusion = np.where(unseen[:, None, None], prior_confusion(n_labels)[None], confusion)
    confusion = np.maximum(confusion, EPS)
    confusion /= confusion.sum(axis=2, keepdims=True)
    priors = np.maximum(np.asarray(reliability.priors, dtype=np.float64), EPS)
    loglik = log_likelihoods(
        items, workers, labels, n_items=n_items, log_confusion=np.log(confusion)
    )
    probs = tempered_probs(np.log(priors / priors.sum()), loglik, reliability.temperature)
    return posteriors_from_scores(probs, np.bincount(items, minlength=n_items) > 0)
