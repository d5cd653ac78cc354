"""Calibrated Dawid-Skene against the issue's targets on crowds built to break the model, and
its contract (determinism, ties, known answers, input errors)."""

import numpy as np
import pytest

from articles.consensus import calibrated_dawid_skene, calibration_report, dawid_skene
from articles.consensus.arrays import Reliability
from articles.consensus.calibrated import (
    MIN_KNOWN,
    SOURCE_HELD_OUT,
    SOURCE_KNOWN,
    SOURCE_NONE,
    calibrated_score,
    fold_of,
    prior_confusion,
)
from tests.consensus.conftest import arrays
from tests.consensus.simulate import hard_crowd, simulate

THRESHOLD = 0.8


def sizes(crowd):
    return {"n_items": crowd.n_items, "n_workers": crowd.n_workers, "n_labels": crowd.n_labels}


@pytest.fixture(scope="module")
def hard():
    return hard_crowd(n_items=10_000, seed=21)


def scores(crowd, share):
    """(Dawid-Skene report, calibrated report, calibrated result) on the items whose truth was
    not given."""
    known = crowd.gold(share, seed=5)
    hidden = known < 0
    plain = dawid_skene(*arrays(crowd), **sizes(crowd), known=known)
    calibrated = calibrated_dawid_skene(*arrays(crowd), **sizes(crowd), known=known)
    return (
        calibration_report(plain.posteriors, crowd.truth, threshold=THRESHOLD, items=hidden),
        calibration_report(calibrated.posteriors, crowd.truth, threshold=THRESHOLD, items=hidden),
        calibrated,
    )


@pytest.mark.parametrize(("share", "max_ece"), [(0.0, 0.10), (0.2, 0.05)])
def test_calibrated_meets_the_targets_on_a_hard_crowd(hard, share, max_ece):
    plain, calibrated, result = scores(hard, share)
    # Before: Dawid-Skene is overconfident and "settled" is wrong more than 20% of the time.
    assert plain.ece > 0.1
    assert plain.settled_accuracy < THRESHOLD
    # After: the targets.
    assert calibrated.ece <= max_ece
    assert calibrated.settled_accuracy >= THRESHOLD
    assert calibrated.accuracy >= plain.accuracy - 0.005
    assert result.source == (SOURCE_KNOWN if share else SOURCE_HELD_OUT)
    assert result.temperature > 1.0  # the evidence counted as less independent than assumed


def test_calibrated_changes_little_on_a_crowd_that_follows_the_model():
    crowd = simulate(n_items=6000, n_workers=80, n_annotations=24_000, seed=22)
    plain, calibrated, result = scores(crowd, 0.0)
    assert calibrated.ece <= 0.03
    assert calibrated.accuracy >= plain.accuracy - 0.005
    assert 0.85 <= result.temperature <= 1.15


def test_calibrated_is_deterministic_and_order_independent(crowds):
    crowd = crowds(3, 23, n_items=1500, n_workers=40)
    known = crowd.gold(0.1, seed=1)
    first = calibrated_dawid_skene(*arrays(crowd), **sizes(crowd), known=known)
    order = np.random.default_rng(0).permutation(crowd.item_idx.size)
    shuffled = calibrated_dawid_skene(
        crowd.item_idx[order],
        crowd.worker_idx[order],
        crowd.label_idx[order],
        **sizes(crowd),
        known=known,
    )
    np.testing.assert_array_equal(first.posteriors.probs, shuffled.posteriors.probs)
    assert first.temperature == shuffled.temperature
    assert first.source == SOURCE_KNOWN
    assert first.n_known == int((known >= 0).sum())


def test_calibrated_fixes_known_answers_and_falls_back_below_min_known(crowds):
    crowd = crowds(3, 24, n_items=800, n_workers=30)
    known = np.full(crowd.n_items, -1)
    known[: MIN_KNOWN - 1] = (crowd.truth[: MIN_KNOWN - 1] + 1) % 3  # deliberately "wrong"
    result = calibrated_dawid_skene(*arrays(crowd), **sizes(crowd), known=known)
    assert result.source == SOURCE_HELD_OUT  # too few known answers to fit on
    np.testing.assert_array_equal(result.posteriors.labels[: MIN_KNOWN - 1], known[: MIN_KNOWN - 1])
    np.testing.assert_array_equal(result.posteriors.confidence[: MIN_KNOWN - 1], 1.0)


def test_calibrated_tie_gets_no_label_and_empty_input_works():
    tie = calibrated_dawid_skene([0, 0], [0, 1], [0, 1], n_items=2, n_workers=2, n_labels=2)
    assert tie.posteriors.labels.tolist() == [-1, -1]
    assert tie.posteriors.tie.tolist() == [True, False]
    empty = calibrated_dawid_skene([], [], [], n_items=2, n_workers=0, n_labels=3)
    assert empty.source == SOURCE_NONE
    assert empty.temperature == 1.0
    assert empty.posteriors.labels.tolist() == [-1, -1]
    with pytest.raises(ValueError, match="known must have shape"):
        calibrated_dawid_skene([0], [0], [0], n_items=1, n_workers=1, n_labels=2, known=[0, 1])


def test_calibrated_score_counts_an_unseen_annotator_by_the_prior():
    model = Reliability(
        confusion=np.full((2, 3, 3), np.nan),
        priors=np.full(3, 1 / 3),
        history=np.array([0, 0]),
        temperature=1.0,
    )
    scored = calibrated_score(
        np.array([0]),
        np.array([1]),
        np.array([2]),
        n_items=1,
        n_labels=3,
        reliability=model,
        min_history=20,
    )
    np.testing.assert_allclose(
        scored.probs[0], prior_confusion(3)[:, 2] / prior_confusion(3)[:, 2].sum()
    )
    assert scored.labels[0] == 2
    with pytest.raises(ValueError, match="reliability model"):
        calibrated_score(
            np.array([0]),
            np.array([0]),
            np.array([0]),
            n_items=1,
            n_labels=3,
            reliability=None,
            min_history=0,
        )


def test_calibrated_folds_are_balanced_and_fixed():
    folds = fold_of(np.arange(103))
    assert np.bincount(folds).tolist() == [21, 21, 21, 20, 20]
    np.testing.assert_array_equal(folds, fold_of(np.arange(103)))
