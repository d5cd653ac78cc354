from typing import Any

import numpy as np
import pytest

from articles.consensus import (
    NO_LABEL,
    dawid_skene,
    log_odds_weight,
    posteriors_from_reliability,
    smoothed_accuracy,
    symmetric_confusion,
    weighted_vote,
)
from tests.consensus.conftest import arrays


def test_log_odds_weight_is_zero_at_chance_and_grows_with_accuracy():
    weights = log_odds_weight(np.array([1 / 3, 0.5, 0.9, 0.1]), 3)
    assert weights[0] == pytest.approx(0.0)
    assert weights[1] == pytest.approx(np.log(2 * 0.5 / 0.5))
    assert weights[2] > weights[1] > 0 > weights[3]
    assert np.isfinite(log_odds_weight(np.array([0.0, 1.0]), 2)).all()


def test_weighted_vote_downweights_an_unreliable_annotator():
    # Two reliable annotators agree with each other on 40 items; a contrarian disagrees.
    rng = np.random.default_rng(1)
    truth = rng.integers(0, 2, size=40)
    items = np.repeat(np.arange(40), 3)
    workers = np.tile([0, 1, 2], 40)
    labels = np.stack([truth, truth, 1 - truth], axis=1).ravel()
    result = weighted_vote(items, workers, labels, n_items=40, n_labels=2, n_workers=3)
    assert (result.posteriors.labels == truth).all()
    assert result.accuracy[0] > 0.9
    assert result.accuracy[2] < 0.1
    assert result.weights[2] < 0
    assert result.converged


@pytest.mark.parametrize("n_labels", [2, 3, 5])
def test_weighted_vote_shapes_and_probabilities(crowds, n_labels):
    crowd = crowds(n_labels, 21)
    result = weighted_vote(
        *arrays(crowd), n_items=crowd.n_items, n_labels=n_labels, n_workers=crowd.n_workers
    )
    assert result.posteriors.probs.shape == (crowd.n_items, n_labels)
    np.testing.assert_allclose(result.posteriors.probs.sum(axis=1), 1.0)
    assert result.accuracy.shape == (crowd.n_workers,)
    assert ((result.accuracy > 0) & (result.accuracy < 1)).all()


def test_weighted_vote_item_without_votes_and_idle_annotator():
    result = weighted_vote([0, 0], [0, 1], [1, 1], n_items=2, n_labels=2, n_workers=3)
    assert result.posteriors.labels.tolist() == [1, NO_LABEL]
    assert result.accuracy[2] == pytest.approx(0.7)  # prior mean, nothing observed


def test_weighted_vote_tie_between_equal_annotators():
    result = weighted_vote([0, 0], [0, 1], [0, 1], n_items=1, n_labels=2, n_workers=2)
    assert result.posteriors.tie.tolist() == [True]
    assert result.posteriors.labels.tolist() == [NO_LABEL]


def test_smoothed_accuracy_shrinks_toward_the_prior_mean():
    smoothed = smoothed_accuracy(
        np.array([0.95, 0.95, np.nan, 0.2]), np.array([0, 1000, 50, 10]), (7.0, 3.0)
    )
    assert smoothed[0] == pytest.approx(0.7)
    assert smoothed[1] == pytest.approx((7 + 950) / 1010)
    assert smoothed[2] == pytest.approx(0.7)  # no estimate counts as no history
    assert smoothed[3] == pytest.approx((7 + 2) / 20)


def test_symmetric_confusion_rows_sum_to_one():
    conf = symmetric_confusion(np.array([0.7, 0.9]), 4)
    np.testing.assert_allclose(conf.sum(axis=2), 1.0)
    assert conf[0, 1, 1] == pytest.approx(0.7)
    assert conf[0, 1, 2] == pytest.approx(0.1)


def test_posteriors_from_reliability_equals_a_dawid_skene_e_step(crowds):
    crowd = crowds(3, 8)
    fit = dawid_skene(*arrays(crowd), n_items=crowd.n_items, n_workers=crowd.n_workers, n_labels=3)
    history = np.bincount(crowd.worker_idx, minlength=crowd.n_workers)
    post = posteriors_from_reliability(
        *arrays(crowd),
        n_items=crowd.n_items,
        n_labels=3,
        confusion=fit.confusion,
        priors=fit.priors,
        history=history,
        min_history=0,
    )
    # At the fixed point one more E-step reproduces the fitted labels.
    assert (post.labels == fit.posteriors.labels).mean() > 0.995
    np.testing.assert_allclose(post.probs, fit.posteriors.probs, atol=0.05)


def test_posteriors_from_reliability_new_annotator_counts_but_does_not_dominate():
    # Two established annotators (accurate per their confusion) say 0; one newcomer says 1.
    confusion = np.stack(
        [symmetric_confusion(np.array([0.9]), 3)[0]] * 2 + [np.full((3, 3), np.nan)]
    )
    priors = np.full(3, 1 / 3)
    history = np.array([500, 500, 1])
    kwargs: dict[str, Any] = {
        "n_labels": 3,
        "confusion": confusion,
        "priors": priors,
        "history": history,
        "min_history": 20,
    }
    post = posteriors_from_reliability([0, 0, 0], [0, 1, 2], [0, 0, 1], n_items=1, **kwargs)
    assert post.labels.tolist() == [0]
    # Alone, the newcomer decides, with the default accuracy of ~0.7.
    alone = posteriors_from_reliability([0], [2], [1], n_items=1, **kwargs)
    assert alone.labels.tolist() == [1]
    assert alone.probs[0, 1] == pytest.approx(0.7)
    # One established annotator against one newcomer: the established one wins.
    duel = posteriors_from_reliability([0, 0], [0, 2], [0, 1], n_items=1, **kwargs)
    assert duel.labels.tolist() == [0]


def test_posteriors_from_reliability_low_history_uses_smoothed_accuracy():
    # A worker whose DS matrix says "perfect" but with little history is treated as ~prior.
    perfect = np.eye(2)[None, :, :]
    kwargs: dict[str, Any] = {"n_labels": 2, "confusion": perfect, "priors": np.array([0.5, 0.5])}
    trusted = posteriors_from_reliability(
        [0], [0], [1], n_items=1, history=np.array([5]), min_history=5, **kwargs
    )
    shrunk = posteriors_from_reliability(
        [0], [0], [1], n_items=1, history=np.array([5]), min_history=6, **kwargs
    )
    assert trusted.probs[0, 1] > 0.999
    expected = (7 + 1.0 * 5) / (10 + 5)
    assert shrunk.probs[0, 1] == pytest.approx(expected)


def test_posteriors_from_reliability_never_given_label_is_not_impossible():
    # The trusted annotator never said 2 before (zero column); the item must still get a label.
    confusion = np.array([[[0.9, 0.1, 0.0], [0.1, 0.9, 0.0], [0.5, 0.5, 0.0]]])
    post = posteriors_from_reliability(
        [0],
        [0],
        [2],
        n_items=1,
        n_labels=3,
        confusion=confusion,
        priors=np.array([0.2, 0.3, 0.5]),
        history=np.array([100]),
        min_history=10,
    )
    assert np.isfinite(post.probs).all()
    np.testing.assert_allclose(post.probs.sum(), 1.0)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("confusion", np.ones((2, 3, 3)), "confusion"),
        ("priors", np.ones(3), "priors"),
        ("history", np.ones(3), "history"),
    ],
)
def test_posteriors_from_reliability_rejects_bad_shapes(field, value, message):
    kwargs: dict[str, Any] = {
        "n_labels": 2,
        "confusion": np.full((2, 2, 2), 0.5),
        "priors": np.array([0.5, 0.5]),
        "history": np.array([1, 1]),
        "min_history": 1,
    }
    kwargs[field] = value
    with pytest.raises(ValueError, match=message):
        posteriors_from_reliability([0], [0], [0], n_items=1, **kwargs)
