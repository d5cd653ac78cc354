"""The method registry: every entry keeps the contract its callers rely on, and no module
outside the registry spells a method's name."""

import ast
from pathlib import Path

import numpy as np
import pytest

from articles.consensus import (
    DEFAULT_METHOD,
    METHOD_NAMES,
    METHODS,
    Estimate,
    UnknownMethodError,
    dawid_skene,
    get_method,
    majority_vote,
    posteriors_from_reliability,
    weighted_vote,
    with_known_answers,
)
from tests.consensus.conftest import arrays

ROOT = Path(__file__).resolve().parents[2]


def sizes(crowd):
    return {"n_items": crowd.n_items, "n_workers": crowd.n_workers, "n_labels": crowd.n_labels}


def test_methods_registry_names_and_default():
    assert METHOD_NAMES == tuple(METHODS) == ("majority", "weighted", "dawid-skene", "calibrated")
    assert DEFAULT_METHOD in METHODS
    for name, method in METHODS.items():
        assert method.name == name
        assert get_method(name) is method


def test_methods_unknown_name_lists_the_known_ones():
    with pytest.raises(
        UnknownMethodError, match=r"'bayes'.*majority, weighted, dawid-skene, calibrated"
    ):
        get_method("bayes")
    assert issubclass(UnknownMethodError, ValueError)


@pytest.mark.parametrize("name", METHOD_NAMES)
def test_methods_fit_returns_a_complete_estimate(crowds, name):
    crowd = crowds(3, 30, n_items=400, n_workers=20)
    method = METHODS[name]

    estimate = method.fit(*arrays(crowd), **sizes(crowd))

    assert isinstance(estimate, Estimate)
    assert estimate.posteriors.probs.shape == (crowd.n_items, 3)
    np.testing.assert_allclose(estimate.posteriors.probs.sum(axis=1), 1.0)
    assert estimate.priors.shape == (3,)
    assert estimate.priors.sum() == pytest.approx(1.0)
    assert estimate.accuracy.shape == (crowd.n_workers,)
    if method.uses_reliability:
        assert estimate.confusion.shape == (crowd.n_workers, 3, 3)
        np.testing.assert_allclose(estimate.confusion.sum(axis=2), 1.0)
        assert np.isfinite(estimate.accuracy).all()
    else:
        assert estimate.confusion is None
        assert np.isnan(estimate.accuracy).all()
    assert estimate.converged
    assert (estimate.n_iter > 0) == method.iterative
    summary = method.describe(estimate)
    assert summary.startswith(method.title)
    assert ("iterations" in summary) == method.iterative


@pytest.mark.parametrize("name", METHOD_NAMES)
def test_methods_score_with_the_model_of_their_own_fit(crowds, name):
    crowd = crowds(3, 31, n_items=400, n_workers=20)
    method = METHODS[name]
    estimate = method.fit(*arrays(crowd), **sizes(crowd))
    history = np.bincount(crowd.worker_idx, minlength=crowd.n_workers)
    model = None
    if estimate.confusion is not None:
        model = estimate.reliability(history)
    assert (model is not None) == method.uses_reliability
    first = np.flatnonzero(crowd.item_idx == 0)

    one_claim = method.score(
        np.zeros(first.size, dtype=np.int64),
        crowd.worker_idx[first],
        crowd.label_idx[first],
        n_items=1,
        n_labels=3,
        reliability=model,
        min_history=5,
    )
    everything = method.score(
        *arrays(crowd), n_items=crowd.n_items, n_labels=3, reliability=model, min_history=5
    )

    # A claim scored alone gets what it gets among all claims: the score reads only its own
    # annotations and the model.
    np.testing.assert_allclose(one_claim.probs[0], everything.probs[0], atol=1e-12)
    if method.uses_reliability:
        with pytest.raises(ValueError, match="reliability model"):
            method.score(
                *arrays(crowd), n_items=crowd.n_items, n_labels=3, reliability=None, min_history=5
            )


def test_methods_fits_are_the_plain_functions(crowds):
    crowd = crowds(3, 32, n_items=400, n_workers=20)
    size = sizes(crowd)
    majority = METHODS["majority"].fit(*arrays(crowd), **size)
    np.testing.assert_array_equal(
        majority.posteriors.probs,
        majority_vote(*arrays(crowd), n_items=crowd.n_items, n_labels=3).probs,
    )
    weighted = METHODS["weighted"].fit(*arrays(crowd), **size)
    plain = weighted_vote(*arrays(crowd), **size)
    np.testing.assert_array_equal(weighted.posteriors.probs, plain.posteriors.probs)
    np.testing.assert_array_equal(weighted.accuracy, plain.accuracy)
    assert weighted.n_iter == plain.n_iter
    ds = METHODS["dawid-skene"].fit(*arrays(crowd), **size)
    fitted = dawid_skene(*arrays(crowd), **size)
    np.testing.assert_array_equal(ds.posteriors.probs, fitted.posteriors.probs)
    np.testing.assert_array_equal(ds.confusion, fitted.confusion)
    assert ds.n_iter == fitted.n_iter


def test_methods_posteriors_after_fit(crowds):
    crowd = crowds(3, 33, n_items=400, n_workers=20)
    history = np.bincount(crowd.worker_idx, minlength=crowd.n_workers)
    for name in ("majority", "weighted"):
        method = METHODS[name]
        estimate = method.fit(*arrays(crowd), **sizes(crowd))
        after = method.posteriors_after_fit(
            estimate,
            *arrays(crowd),
            n_items=crowd.n_items,
            n_labels=3,
            history=history,
            min_history=5,
        )
        assert after is estimate.posteriors
    # Dawid-Skene stores what the per-claim job computes with the fitted model.
    ds = METHODS["dawid-skene"]
    estimate = ds.fit(*arrays(crowd), **sizes(crowd))
    assert estimate.confusion is not None
    after = ds.posteriors_after_fit(
        estimate,
        *arrays(crowd),
        n_items=crowd.n_items,
        n_labels=3,
        history=history,
        min_history=5,
    )
    expected = posteriors_from_reliability(
        *arrays(crowd),
        n_items=crowd.n_items,
        n_labels=3,
        confusion=estimate.confusion,
        priors=estimate.priors,
        history=history,
        min_history=5,
    )
    np.testing.assert_array_equal(after.probs, expected.probs)


def test_methods_names_are_spelled_only_in_the_registry():
    # Callers read the registry; a second copy of the list is how two lists start to disagree.
    registry = ROOT / "articles" / "consensus" / "methods.py"
    offenders = []
    for path in (ROOT / "articles").rglob("*.py"):
        if path == registry or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in METHODS:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
    assert offenders == []


@pytest.mark.parametrize("name", METHOD_NAMES)
def test_methods_known_answers_are_fixed_in_every_method(crowds, name):
    crowd = crowds(3, 34, n_items=400, n_workers=20)
    method = METHODS[name]
    known = crowd.gold(0.25, seed=1)
    estimate = method.fit(*arrays(crowd), **sizes(crowd), known=known)
    history = np.bincount(crowd.worker_idx, minlength=crowd.n_workers)
    after = method.posteriors_after_fit(
        estimate,
        *arrays(crowd),
        n_items=crowd.n_items,
        n_labels=3,
        history=history,
        min_history=5,
        known=known,
    )
    fixed = known >= 0
    np.testing.assert_array_equal(after.labels[fixed], known[fixed])
    np.testing.assert_array_equal(after.confidence[fixed], 1.0)
    assert not after.tie[fixed].any()
    if method.uses_known_answers:
        # The annotators are estimated with those items' truth fixed: the model changes.
        plain = method.fit(*arrays(crowd), **sizes(crowd))
        assert plain.confusion is not None
        assert estimate.confusion is not None
        assert not np.allclose(plain.confusion, estimate.confusion)


def test_methods_calibrated_fit_stores_what_the_per_claim_job_computes(crowds):
    # The full recompute stores the fit's own posteriors; the per-claim job scores with the
    # fitted model and temperature. For the calibrated method the two must agree.
    crowd = crowds(3, 35, n_items=400, n_workers=20)
    method = METHODS["calibrated"]
    known = crowd.gold(0.2, seed=2)
    estimate = method.fit(*arrays(crowd), **sizes(crowd), known=known)
    assert estimate.temperature != 1.0
    assert estimate.calibration["temperature"] == pytest.approx(estimate.temperature, abs=1e-6)
    history = np.bincount(crowd.worker_idx, minlength=crowd.n_workers)
    scored = with_known_answers(
        method.score(
            *arrays(crowd),
            n_items=crowd.n_items,
            n_labels=3,
            reliability=estimate.reliability(history),
            min_history=5,
        ),
        known,
    )
    after = method.posteriors_after_fit(
        estimate,
        *arrays(crowd),
        n_items=crowd.n_items,
        n_labels=3,
        history=history,
        min_history=5,
        known=known,
    )
    np.testing.assert_allclose(scored.probs, after.probs, atol=1e-9)
    np.testing.assert_array_equal(scored.labels, after.labels)
