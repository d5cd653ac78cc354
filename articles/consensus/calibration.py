"""Calibration: measuring whether a confidence means what it says, and fitting a temperature
that makes it so.

A consensus posterior is *calibrated* when, among the claims shown at confidence ``p``, about a
fraction ``p`` is right. Dawid-Skene's posteriors are calibrated only when its assumptions hold
(annotators independent given the truth, every item as easy as every other, enough ratings per
annotator to estimate their confusion matrix); on real crowds it grows overconfident.

Measuring: :func:`calibration_error` is the expected calibration error (ECE) with equal-width
confidence bins; :func:`calibration_report` adds accuracy, mean confidence and the accuracy and
share of "settled" items (confidence at or above a threshold).

Fitting: the posterior is written ``p(k) ∝ prior(k) * exp(LL(k) / T)`` where ``LL(k)`` is the
sum of the item's annotations' log-likelihoods under label ``k`` and ``T`` a temperature.
``T > 1`` counts the annotations as less independent evidence than the model assumes (``T = 2``:
two correlated ratings are worth one). ``T`` is fitted by one of two rules:

* with known answers, :func:`fit_temperature_known`: the ``T`` that maximises the likelihood of
  the known labels under posteriors computed without them (cross-validated by the caller);
* without any truth, :func:`fit_temperature_held_out`: the ``T`` under which each rating is best
  predicted from the item's *other* ratings (leave one annotation out: its annotator's confusion
  row re-estimated without it, the item's posterior without its term). If the crowd's ratings
  are less independent or less informative than the model believes, the posterior from the
  others predicts a held-out rating worse than its confidence promises, and the fit flattens
  it. This needs no truth; it assumes that what makes the model overconfident about the
  held-out ratings also makes it overconfident about the truth.

The temperature search is a golden-section search over ``log T`` in
``[TEMPERATURE_MIN, TEMPERATURE_MAX]``: deterministic, a fixed number of evaluations, each one
vectorised over items or annotations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from articles.consensus.arrays import EPS, FloatArray, IntArray, Posteriors

N_BINS: Final = 10
"""Confidence bins of the calibration error: ``[0, 0.1), [0.1, 0.2), ... [0.9, 1]``."""

TEMPERATURE_MIN: Final = 0.25
TEMPERATURE_MAX: Final = 16.0
SEARCH_STEPS: Final = 30
"""Golden-section steps: the bracket shrinks by 0.618 each, to ~1e-6 of ``log T``'s range
(a temperature known to within a millionth of itself)."""

HELD_OUT_SAMPLE: Final = 200_000
"""At most this many annotations enter the held-out fit (every k-th one beyond): the
temperature is one number, and this many ratings pin it down to well under a percent."""


@dataclass(frozen=True)
class CalibrationReport:
    """How a set of posteriors fares against known truth.

    Attributes:
        n: items scored.
        accuracy: share whose label is the truth (a tie, label -1, counts as wrong).
        mean_confidence: mean top probability.
        ece: expected calibration error over ``N_BINS`` equal-width bins.
        settled_accuracy: accuracy of the items whose confidence reaches ``threshold`` (nan
            when none does).
        settled_share: share of items whose confidence reaches ``threshold``.
        threshold: the settling threshold used.
    """

    n: int
    accuracy: float
    mean_confidence: float
    ece: float
    settled_accuracy: float
    settled_share: float
    threshold: float


def calibration_error(
    confidence: npt.ArrayLike, correct: npt.ArrayLike, *, n_bins: int = N_BINS
) -> float:
    """Expected calibration error: ``sum_b (n_b / n) * |accuracy_b - mean confidence_b|`` over
    ``n_bins`` equal-width bins of ``confidence`` (a confidence of exactly 1 falls in the last
    bin). nan for no items."""
    conf = np.asarray(confidence, dtype=np.float64)
    hits = np.asarray(correct, dtype=np.float64)
    if conf.shape != hits.shape or conf.ndim != 1:
        raise ValueError("confidence and correct must be 1-dimensional and of equal length")
    if n_bins < 1:
        raise ValueError(f"n_bins must be positive, got {n_bins}")
    if conf.size == 0:
        return float("nan")
    bins = np.minimum((np.clip(conf, 0.0, 1.0) * n_bins).astype(np.int64), n_bins - 1)
    gap = np.bincount(bins, weights=hits - conf, minlength=n_bins)
    return float(np.abs(gap).sum() / conf.size)


def calibration_report(
    posteriors: Posteriors,
    truth: npt.ArrayLike,
    *,
    threshold: float,
    items: npt.ArrayLike | None = None,
    n_bins: int = N_BINS,
) -> CalibrationReport:
    """Score ``posteriors`` against ``truth`` (``(n_items,)`` label codes) on ``items`` (an
    index or boolean mask; default every item with annotations)."""
    true = np.asarray(truth, dtype=np.int64)
    if true.shape != (posteriors.n_items,):
        raise ValueError(f"truth must have shape ({posteriors.n_items},), got {true.shape}")
    chosen = posteriors.has_votes if items is None else np.asarray(items)
    labels = posteriors.labels[chosen]
    confidence = posteriors.confidence[chosen]
    correct = labels == true[chosen]
    settled = (labels >= 0) & (confidence >= threshold)
    n = int(labels.size)
    return CalibrationReport(
        n=n,
        accuracy=float(correct.mean()) if n else float("nan"),
        mean_confidence=float(confidence.mean()) if n else float("nan"),
        ece=calibration_error(confidence, correct, n_bins=n_bins),
        settled_accuracy=float(correct[settled].mean()) if settled.any() else float("nan"),
        settled_share=float(settled.mean()) if n else float("nan"),
        threshold=float(threshold),
    )


def log_likelihoods(
    item_idx: IntArray,
    worker_idx: IntArray,
    label_idx: IntArray,
    *,
    n_items: int,
    log_confusion: FloatArray,
) -> FloatArray:
    """``LL[i, k] = sum over item i's annotations of log confusion[w, k, y]``, ``(n_items, L)``."""
    n_labels = int(log_confusion.shape[1])
    terms = log_confusion[worker_idx, :, label_idx]  # (N, L): column k is true label k
    out = np.empty((n_items, n_labels), dtype=np.float64)
    for k in range(n_labels):
        out[:, k] = np.bincount(item_idx, weights=terms[:, k], minlength=n_items)
    return out


def tempered_log_posteriors(
    log_prior: FloatArray, loglik: FloatArray, temperature: float
) -> FloatArray:
    """``log p(k) = log prior(k) + LL(k) / T`` normalised per row, ``(n, L)``; ``log_prior`` is
    ``(L,)`` or one row per item."""
    scores = log_prior + loglik / temperature
    scores -= scores.max(axis=1, keepdims=True)
    scores -= np.log(np.exp(scores).sum(axis=1, keepdims=True))
    return np.asarray(scores, dtype=np.float64)


def tempered_probs(log_prior: FloatArray, loglik: FloatArray, temperature: float) -> FloatArray:
    """The posteriors ``p(k) ∝ prior(k) * exp(LL(k) / T)``, ``(n, L)``."""
    return np.asarray(
        np.exp(tempered_log_posteriors(log_prior, loglik, temperature)), dtype=np.float64
    )


def _golden_section(objective: Callable[[float], float]) -> float:
    """The ``T`` in ``[TEMPERATURE_MIN, TEMPERATURE_MAX]`` minimising ``objective(T)``, searched
    over ``log T`` (the objectives here are unimodal in it). Deterministic."""
    lo, hi = np.log(TEMPERATURE_MIN), np.log(TEMPERATURE_MAX)
    ratio = (np.sqrt(5.0) - 1.0) / 2.0
    a, b = lo + (1 - ratio) * (hi - lo), lo + ratio * (hi - lo)
    fa, fb = objective(float(np.exp(a))), objective(float(np.exp(b)))
    for _ in range(SEARCH_STEPS):
        if fa <= fb:  # tie rule: keep the lower temperature's side
            hi, b, fb = b, a, fa
            a = lo + (1 - ratio) * (hi - lo)
            fa = objective(float(np.exp(a)))
        else:
            lo, a, fa = a, b, fb
            b = lo + ratio * (hi - lo)
            fb = objective(float(np.exp(b)))
    return float(np.exp((lo + hi) / 2.0))


def fit_temperature_known(log_prior: FloatArray, loglik: FloatArray, truth: IntArray) -> float:
    """The temperature maximising the likelihood of the known labels ``truth`` ``(n,)`` under
    ``p ∝ prior * exp(LL / T)``, where ``LL`` ``(n, L)`` was computed without them
    (``log_prior`` ``(L,)`` or one row per item)."""
    if truth.size == 0:
        return 1.0
    rows = np.arange(truth.size)

    def nll(temperature: float) -> float:
        return -float(tempered_log_posteriors(log_prior, loglik, temperature)[rows, truth].sum())

    return _golden_section(nll)


def fit_temperature_held_out(
    item_idx: IntArray,
    worker_idx: IntArray,
    label_idx: IntArray,
    *,
    loglik: FloatArray,
    posteriors: FloatArray,
    counts: FloatArray,
    prior_counts: FloatArray,
    log_prior: FloatArray,
) -> float:
    """The temperature under which each annotation is best predicted from its item's other
    annotations (leave one annotation out; needs no truth).

    Inputs: the annotations; ``loglik`` ``(n_items, L)`` from the fitted confusion matrices;
    ``posteriors`` ``(n_items, L)`` of the fit; ``counts`` ``(W, L, L)`` the fit's expected
    counts ``[true, given]`` (posterior mass per annotator and given label, without the
    prior); ``prior_counts`` ``(L, L)`` the Dirichlet pseudo-counts; ``log_prior`` ``(L,)``.

    For annotation ``a = (i, w, y)``: the item's log-likelihood without it is
    ``LL[i] - log conf[w, :, y]``, and ``w``'s confusion row without it is re-estimated from
    ``counts[w] - posteriors[i]`` (plus the prior). The objective is the negative log
    probability of ``y`` under ``sum_k p_T(k | others) * conf_-a[w, k, y]``. Annotations on
    items rated once are skipped (nothing is left to predict from); beyond
    ``HELD_OUT_SAMPLE`` annotations every k-th one is used.
    """
    votes = np.bincount(item_idx, minlength=loglik.shape[0])
    chosen = np.flatnonzero(votes[item_idx] >= 2)
    if chosen.size == 0:
        return 1.0
    if chosen.size > HELD_OUT_SAMPLE:
        chosen = chosen[:: -(-chosen.size // HELD_OUT_SAMPLE)]
    items, workers, labels = item_idx[chosen], worker_idx[chosen], label_idx[chosen]
    post = posteriors[items]  # (n, L)
    # w's confusion [true k, given y] for every k, with this annotation's mass taken out.
    given = counts[workers, :, labels] - post + prior_counts[:, labels].T
    totals = counts[workers].sum(axis=2) - post + prior_counts.sum(axis=1)[None, :]
    held_out_conf = np.maximum(given, EPS) / np.maximum(totals, EPS)
    full_conf = (counts[workers, :, labels] + prior_counts[:, labels].T) / (
        counts[workers].sum(axis=2) + prior_counts.sum(axis=1)[None, :]
    )
    others = loglik[items] - np.log(np.maximum(full_conf, EPS))
    # Label-major, contiguous: each evaluation is a few passes over plain columns.
    columns = np.ascontiguousarray(others.T)
    predict = np.ascontiguousarray(held_out_conf.T)
    n_labels = columns.shape[0]

    def nll(temperature: float) -> float:
        scores = columns / temperature
        scores += log_prior[:, None]
        top = scores[0].copy()
        for k in range(1, n_labels):
            np.maximum(top, scores[k], out=top)
        scores -= top
        np.exp(scores, out=scores)
        total = scores.sum(axis=0)
        hit = np.einsum("kn,kn->n", scores, predict)
        return -float(np.log(np.maximum(hit / total, EPS)).sum())

    return _golden_section(nll)
