"""The registry of consensus methods: the one place that says which methods the desk knows.

Every caller (the consensus sweep, the full recompute, the offline ``aggregate`` command, the
settings checks) looks a method up here by name and calls what its entry holds; none of them
branches on a method's name. Adding a method takes one module with its ``fit`` and ``score``
functions and one entry in :data:`METHODS`.

Two functions per method, over the package's usual integer-coded annotation arrays:

* ``fit(item_idx, worker_idx, label_idx, *, n_items, n_workers, n_labels, known=None)
  -> Estimate``: the method over a whole crowd (the full recompute, ``aggregate``); ``known``
  holds items' known answers (-1 where unknown), which methods with ``uses_known_answers``
  fix as truth in their estimate;
* ``score(item_idx, worker_idx, label_idx, *, n_items, n_labels, reliability, min_history)
  -> Posteriors``: a few claims with a reliability model kept from the last fit (the
  consensus sweep). ``reliability`` is ``None`` only for methods with ``uses_reliability`` False.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Protocol

import numpy as np

from articles.consensus.arrays import (
    Estimate,
    IntArray,
    Posteriors,
    Reliability,
    posteriors_from_scores,
)
from articles.consensus.calibrated import N_FOLDS, calibrated_fit, calibrated_score, fold_of
from articles.consensus.dawid_skene import dawid_skene_fit, dawid_skene_score
from articles.consensus.known import with_known_answers
from articles.consensus.majority import majority_fit, majority_score
from articles.consensus.weighted import weighted_fit, weighted_score


class FitFunction(Protocol):
    def __call__(
        self,
        item_idx: IntArray,
        worker_idx: IntArray,
        label_idx: IntArray,
        *,
        n_items: int,
        n_workers: int,
        n_labels: int,
        known: IntArray | None = None,
    ) -> Estimate: ...


class ScoreFunction(Protocol):
    def __call__(
        self,
        item_idx: IntArray,
        worker_idx: IntArray,
        label_idx: IntArray,
        *,
        n_items: int,
        n_labels: int,
        reliability: Reliability | None,
        min_history: int,
    ) -> Posteriors: ...


@dataclass(frozen=True)
class ConsensusMethod:
    """One consensus method and what its callers need to know about it.

    Attributes:
        name: the name in settings (``FACTCHECK_CONSENSUS_METHOD``), on stored rows and on the
            command line; at most 32 characters (the model fields' length).
        title: how reports name it ("Dawid-Skene").
        fit: the fit over a whole crowd.
        score: posteriors of a few claims from a kept reliability model.
        uses_reliability: True when ``score`` reads a reliability model. When False, the
            consensus sweep loads none, and the reliability model is not one of the inputs a
            claim's fingerprint covers, so re-estimating it rewrites nothing.
        iterative: the fit iterates, so reports give its iteration count and convergence.
        score_after_fit: the full recompute stores ``score`` under the model it just fitted
            rather than the fit's own posteriors, so a claim gets from the full run exactly
            what a consensus sweep would compute (Dawid-Skene: annotators with too little
            history count by a smoothed accuracy, not their sparse confusion matrix).
        uses_known_answers: the fit fixes known items' truth in its estimate of the annotators
            (for every method, a known item's own consensus is its known answer).
    """

    name: str
    title: str
    fit: FitFunction
    score: ScoreFunction
    uses_reliability: bool
    iterative: bool
    score_after_fit: bool = False
    uses_known_answers: bool = False

    def describe(self, estimate: Estimate) -> str:
        """A one-line account of a fit, e.g. ``Dawid-Skene (12 iterations, converged)``."""
        if not self.iterative:
            return self.title
        state = "converged" if estimate.converged else "not converged"
        return f"{self.title} ({estimate.n_iter} iterations, {state})"

    def posteriors_after_fit(
        self,
        estimate: Estimate,
        item_idx: IntArray,
        worker_idx: IntArray,
        label_idx: IntArray,
        *,
        n_items: int,
        n_labels: int,
        history: IntArray,
        min_history: int,
        known: IntArray | None = None,
    ) -> Posteriors:
        """The posteriors the full recompute stores after ``estimate`` (see
        ``score_after_fit``); ``history`` is each annotator's number of annotations in it.
        Items with a known answer get it with certainty (``with_known_answers``)."""
        if not self.score_after_fit:
            return with_known_answers(estimate.posteriors, known)
        if estimate.confusion is None:
            raise ValueError(f"method {self.name!r} scores after its fit but fitted no model")
        scored = self.score(
            item_idx,
            worker_idx,
            label_idx,
            n_items=n_items,
            n_labels=n_labels,
            reliability=estimate.reliability(history),
            min_history=min_history,
        )
        return with_known_answers(scored, known)


class UnknownMethodError(ValueError):
    """A method name the registry does not hold."""


METHODS: Final[Mapping[str, ConsensusMethod]] = MappingProxyType(
    {
        method.name: method
        for method in (
            ConsensusMethod(
                name="majority",
                title="majority vote",
                fit=majority_fit,
                score=majority_score,
                uses_reliability=False,
                iterative=False,
            ),
            ConsensusMethod(
                name="weighted",
                title="weighted vote",
                fit=weighted_fit,
                score=weighted_score,
                uses_reliability=True,
                iterative=True,
            ),
            ConsensusMethod(
                name="dawid-skene",
                title="Dawid-Skene",
                fit=dawid_skene_fit,
                score=dawid_skene_score,
                uses_reliability=True,
                iterative=True,
                score_after_fit=True,
                uses_known_answers=True,
            ),
            ConsensusMethod(
                name="calibrated",
                title="calibrated Dawid-Skene",
                fit=calibrated_fit,
                score=calibrated_score,
                uses_reliability=True,
                iterative=True,
                # Its fit's posteriors are already what `score` computes with the fitted model
                # and temperature (a test pins this), so the full recompute stores them as they
                # are instead of scoring every claim a second time.
                score_after_fit=False,
                uses_known_answers=True,
            ),
        )
    }
)
"""Every method the desk knows, by name, in the order help texts list them."""

METHOD_NAMES: Final[tuple[str, ...]] = tuple(METHODS)

DEFAULT_METHOD: Final = "calibrated"
"""The method of the offline ``aggregate`` command when none is given (the desk's setting
defaults to the same): its confidence is calibrated, so "settled" keeps its promise."""


def get_method(name: str) -> ConsensusMethod:
    """The registered method called ``name``; ``UnknownMethodError`` naming the known ones."""
    try:
        return METHODS[name]
    except KeyError:
        known = ", ".join(METHOD_NAMES)
        raise UnknownMethodError(
            f"unknown consensus method {name!r}; known methods: {known}"
        ) from None


def cross_validated_posteriors(
    method: ConsensusMethod,
    item_idx: IntArray,
    worker_idx: IntArray,
    label_idx: IntArray,
    *,
    n_items: int,
    n_workers: int,
    n_labels: int,
    known: IntArray,
) -> tuple[IntArray, Posteriors]:
    """Posteriors of the rated items with a known answer, each computed without its own answer:
    ``(items, posteriors)`` with one posterior row per entry of ``items``.

    A method that uses known answers is fitted ``N_FOLDS`` times, each time with one fold's
    answers hidden (the folds of :func:`~articles.consensus.calibrated.fold_of`); any other
    method is fitted once, since it never sees them. This is how a desk checks its own crowd:
    the calibration error and the accuracy of settled claims on these rows are honest
    estimates for the claims whose answer nobody knows.
    """
    has_votes = np.bincount(item_idx, minlength=n_items) > 0
    rated_known = np.flatnonzero((known >= 0) & has_votes)
    probs = np.zeros((rated_known.size, n_labels), dtype=np.float64)

    def fit(answers: IntArray | None) -> Posteriors:
        return method.fit(
            item_idx,
            worker_idx,
            label_idx,
            n_items=n_items,
            n_workers=n_workers,
            n_labels=n_labels,
            known=answers,
        ).posteriors

    if not method.uses_known_answers:
        probs[:] = fit(None).probs[rated_known]
    else:
        folds = fold_of(rated_known)
        for fold in range(N_FOLDS):
            hidden = rated_known[folds == fold]
            if not hidden.size:
                continue
            partial = known.copy()
            partial[hidden] = -1
            probs[folds == fold] = fit(partial).probs[hidden]
    return rated_known, posteriors_from_scores(probs, np.ones(rated_known.size, dtype=np.bool_))
