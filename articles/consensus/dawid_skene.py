"""Dawid-Skene: per-annotator confusion matrices estimated by EM.

A. P. Dawid and A. M. Skene, "Maximum Likelihood Estimation of Observer Error-Rates Using the EM
Algorithm", JRSS C 28(1), 1979.

The conventions follow crowd-kit's ``DawidSkene`` (our reference implementation) so the two
give the same labels on the same data:

* initialisation: posteriors are the majority-vote shares; priors are their mean over items
  that have annotations; the first confusion matrices come from an M-step on those shares;
* M-step: ``count[w, true k, given y] = sum of posterior[item, k]`` over ``w``'s annotations
  with label ``y``. Entries for labels ``w`` actually gave are clipped below at ``1e-10``;
  labels ``w`` never gave stay exactly 0 (crowd-kit has no row for them). Each true-label row
  is then normalised over the given labels;
* E-step in log space: ``log prior[k] + sum log confusion[w, k, y]``, shifted by the row max
  before exponentiating; priors are clipped below at ``1e-10`` before the log;
* stopping rule: after each iteration the evidence lower bound per annotation is computed as
  crowd-kit does (expected joint log-likelihood with the prior term counted once per
  annotation, plus the entropy of the ``1e-10``-clipped posteriors); EM stops when it improves
  by less than ``tol``.

Everything is vectorised over annotations: the E-step gathers log-confusion entries and
scatters them into items with ``np.bincount``; the M-step scatters posteriors into
``(worker, given)`` bins the same way. Python loops only run over EM iterations and labels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from articles.consensus.arrays import (
    BoolArray,
    FloatArray,
    IntArray,
    Posteriors,
    check_annotations,
    posteriors_from_scores,
    stable_order,
)

EPS = 1e-10
"""Floor for confusion counts, priors and posteriors, the value crowd-kit uses."""


@dataclass(frozen=True, eq=False)
class DawidSkeneResult:
    """Output of :func:`dawid_skene`.

    Attributes:
        posteriors: per-item label probabilities (see :class:`Posteriors`; items without
            annotations get an all-zero row and label -1).
        priors: ``(n_labels,)`` class prior, the mean posterior over annotated items.
        confusion: ``(n_workers, n_labels, n_labels)``; ``confusion[w, k, y]`` is the probability
            that annotator ``w`` answers ``y`` when the true label is ``k``. Rows sum to 1.
            Annotators without annotations get uniform rows.
        n_iter: EM iterations run (0 when ``max_iter`` is 0).
        converged: True when EM stopped because the bound improved by less than ``tol``.
        elbo: evidence lower bound per annotation after the last iteration (nan if none ran).
    """

    posteriors: Posteriors
    priors: FloatArray
    confusion: FloatArray
    n_iter: int
    converged: bool
    elbo: float


class _Model:
    """Per-annotation index arrays built once, and the E/M steps over them.

    Posteriors are held label-major, ``(n_labels, n_items)``, so gathering one label's column
    for every annotation reads contiguous memory.
    """

    def __init__(
        self,
        items: IntArray,
        workers: IntArray,
        labels: IntArray,
        *,
        n_items: int,
        n_workers: int,
        n_labels: int,
    ) -> None:
        if items.size > 1 and np.any(items[1:] < items[:-1]):
            # Sorting by item makes the scatter into items and the posterior gathers sequential.
            order = stable_order(items, n_items)
            items, workers, labels = items[order], workers[order], labels[order]
        self.items = items
        self.n_items = n_items
        self.n_workers = n_workers
        self.n_labels = n_labels
        self.n_annotations = int(items.size)
        # One bin per (worker, given label): the M-step's scatter target.
        self.worker_given = workers * n_labels + labels
        self.n_bins = n_workers * n_labels
        self.observed: BoolArray = np.bincount(self.worker_given, minlength=self.n_bins) > 0
        self.n_votes = np.bincount(items, minlength=n_items)
        self.has_votes: BoolArray = self.n_votes > 0
        self.empty_items = np.flatnonzero(~self.has_votes)
        self.n_present = int(self.has_votes.sum())

    def majority_shares(self) -> FloatArray:
        """Vote shares, label-major ``(L, n_items)``; zero columns for empty items."""
        flat = np.bincount(
            self.items * self.n_labels + (self.worker_given % self.n_labels),
            minlength=self.n_items * self.n_labels,
        ).astype(np.float64)
        shares = flat.reshape(self.n_items, self.n_labels).T
        return np.ascontiguousarray(shares / np.maximum(self.n_votes, 1)[None, :])

    def priors(self, post: FloatArray) -> FloatArray:
        return np.asarray(post.sum(axis=1) / max(self.n_present, 1), dtype=np.float64)

    def m_step(self, post: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Return ``(raw_counts, confusion)``, both label-major ``(L_true, W * L_given)``."""
        n_labels = self.n_labels
        raw = np.empty((n_labels, self.n_bins), dtype=np.float64)
        for k in range(n_labels):
            raw[k] = np.bincount(
                self.worker_given, weights=np.take(post[k], self.items), minlength=self.n_bins
            )
        counts = np.where(self.observed[None, :], np.maximum(raw, EPS), 0.0)
        cube = counts.reshape(n_labels, self.n_workers, n_labels)
        totals = cube.sum(axis=2, keepdims=True)
        # Annotators with no annotations have nothing to normalise: give them uniform rows.
        confusion = np.where(totals > 0, cube / np.where(totals > 0, totals, 1.0), 1.0 / n_labels)
        return raw, confusion.reshape(n_labels, self.n_bins)

    def e_step(self, priors: FloatArray, confusion: FloatArray) -> FloatArray:
        """Posteriors label-major ``(L, n_items)`` from priors and label-major confusion."""
        with np.errstate(divide="ignore"):
            # Entries for never-given labels are 0 -> -inf, but they are never gathered.
            log_conf = np.log(confusion)
        log_prior = np.log(np.maximum(priors, EPS))
        scores = np.empty((self.n_labels, self.n_items), dtype=np.float64)
        for k in range(self.n_labels):
            scores[k] = np.bincount(
                self.items,
                weights=np.take(log_conf[k], self.worker_given),
                minlength=self.n_items,
            )
            scores[k] += log_prior[k]
        scores -= scores.max(axis=0, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=0, keepdims=True)
        if self.empty_items.size:
            scores[:, self.empty_items] = 0.0
        return scores

    def elbo(
        self, post: FloatArray, priors: FloatArray, raw: FloatArray, confusion: FloatArray
    ) -> float:
        """Evidence lower bound per annotation, computed the way crowd-kit does."""
        # sum over annotations of p[item] . log confusion[w, :, y] regrouped by (w, y) bins;
        # never-given bins have raw count 0 and are skipped.
        mask = np.broadcast_to(self.observed[None, :], raw.shape)
        joint = float(np.sum(raw[mask] * np.log(confusion[mask])))
        # crowd-kit adds log prior to every annotation's term, not once per item.
        joint += float(raw.sum(axis=1) @ np.log(np.maximum(priors, EPS)))
        clipped = np.maximum(post, EPS)
        entropy = -float(np.sum(clipped * np.log(clipped)))
        if self.empty_items.size:
            # Empty items are not part of crowd-kit's table: remove their clipped-zero terms.
            entropy += self.empty_items.size * self.n_labels * EPS * float(np.log(EPS))
        return (joint + entropy) / self.n_annotations


def dawid_skene(
    item_idx: npt.ArrayLike,
    worker_idx: npt.ArrayLike,
    label_idx: npt.ArrayLike,
    *,
    n_items: int,
    n_workers: int,
    n_labels: int,
    tol: float = 1e-5,
    max_iter: int = 100,
) -> DawidSkeneResult:
    """Fit Dawid-Skene by EM and return posteriors, priors and confusion matrices.

    Inputs: parallel int arrays ``item_idx``, ``worker_idx``, ``label_idx`` (one entry per
    annotation, dense codes), the sizes, the stopping tolerance ``tol`` on the per-annotation
    evidence lower bound and the iteration cap ``max_iter`` (crowd-kit's ``tol`` and
    ``n_iter``; same defaults).

    Output: :class:`DawidSkeneResult`. Deterministic: the same input gives bit-identical output.

    Tie rule: an item whose two best posteriors are within ``TIE_ATOL`` (1e-12) is a tie:
    ``posteriors.tie`` is True and its label is -1 (crowd-kit would pick the lowest label code;
    ``probs`` still holds the full distribution, so a caller wanting that can take
    ``probs.argmax(axis=1)``, which also returns the lowest code). Items without annotations get
    an all-zero row and label -1.
    """
    items, workers, labels = check_annotations(
        item_idx, worker_idx, label_idx, n_items=n_items, n_workers=n_workers, n_labels=n_labels
    )
    if max_iter < 0:
        raise ValueError(f"max_iter must be non-negative, got {max_iter}")
    model = _Model(items, workers, labels, n_items=n_items, n_workers=n_workers, n_labels=n_labels)
    if model.n_annotations == 0:
        return DawidSkeneResult(
            posteriors=posteriors_from_scores(
                np.zeros((n_items, n_labels)), np.zeros(n_items, dtype=np.bool_)
            ),
            priors=np.full(n_labels, 1.0 / n_labels),
            confusion=np.full((n_workers, n_labels, n_labels), 1.0 / n_labels),
            n_iter=0,
            converged=False,
            elbo=float("nan"),
        )

    post = model.majority_shares()
    priors = model.priors(post)
    raw, confusion = model.m_step(post)
    loss = -np.inf
    elbo = float("nan")
    n_iter = 0
    converged = False
    for _ in range(max_iter):
        post = model.e_step(priors, confusion)
        priors = model.priors(post)
        raw, confusion = model.m_step(post)
        elbo = model.elbo(post, priors, raw, confusion)
        n_iter += 1
        if elbo - loss < tol:
            converged = True
            break
        loss = elbo

    return DawidSkeneResult(
        posteriors=_posteriors(model, post),
        priors=priors,
        confusion=np.ascontiguousarray(
            confusion.reshape(n_labels, n_workers, n_labels).transpose(1, 0, 2)
        ),
        n_iter=n_iter,
        converged=converged,
        elbo=elbo,
    )


def _posteriors(model: _Model, post: FloatArray) -> Posteriors:
    probs = np.ascontiguousarray(post.T)
    return posteriors_from_scores(probs, model.has_votes)
