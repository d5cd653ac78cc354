"""Calibration measures and temperature fits (articles.consensus.calibration)."""

import numpy as np
import pytest

from articles.consensus.arrays import posteriors_from_scores
from articles.consensus.calibration import (
    calibration_error,
    calibration_report,
    fit_temperature_held_out,
    fit_temperature_known,
    log_likelihoods,
    tempered_probs,
)


@pytest.mark.parametrize(
    ("confidence", "correct", "expected"),
    [
        ([0.95, 0.95], [1, 1], 0.05),  # one bin, underconfident by 0.05
        ([0.95, 0.95], [1, 0], 0.45),  # one bin, right half the time at 0.95
        ([0.55, 0.55, 0.95, 0.95], [1, 0, 1, 1], 0.5 * 0.05 + 0.5 * 0.05),
        ([1.0, 0.0], [1, 0], 0.0),  # 1.0 falls in the last bin, 0.0 in the first
        ([0.85, 0.85, 0.85, 0.85], [1, 1, 1, 0], 0.1),
    ],
)
def test_calibration_error_table(confidence, correct, expected):
    assert calibration_error(confidence, correct) == pytest.approx(expected)


def test_calibration_error_of_nothing_and_bad_input():
    assert np.isnan(calibration_error([], []))
    with pytest.raises(ValueError, match="equal length"):
        calibration_error([0.5], [1, 0])
    with pytest.raises(ValueError, match="n_bins"):
        calibration_error([0.5], [1], n_bins=0)


def test_calibration_report_counts_settled_items_and_ties_as_wrong():
    probs = np.array([[0.9, 0.1], [0.85, 0.15], [0.5, 0.5], [0.3, 0.7], [0.0, 0.0]])
    posteriors = posteriors_from_scores(probs, probs.sum(axis=1) > 0)
    report = calibration_report(posteriors, [0, 1, 0, 1, 0], threshold=0.8)
    assert report.n == 4  # the unrated item is left out
    assert report.accuracy == pytest.approx(2 / 4)  # the tie has no label: wrong
    assert report.settled_share == pytest.approx(2 / 4)
    assert report.settled_accuracy == pytest.approx(1 / 2)
    assert report.mean_confidence == pytest.approx((0.9 + 0.85 + 0.5 + 0.7) / 4)
    nothing = calibration_report(posteriors, [0, 0, 0, 0, 0], threshold=1.0, items=[2])
    assert np.isnan(nothing.settled_accuracy)
    with pytest.raises(ValueError, match="truth must have shape"):
        calibration_report(posteriors, [0, 1], threshold=0.8)


@pytest.mark.parametrize("true_temperature", [0.5, 1.0, 2.5])
def test_fit_temperature_known_recovers_the_temperature_that_generated_the_labels(
    true_temperature,
):
    rng = np.random.default_rng(7)
    loglik = rng.normal(scale=3.0, size=(20_000, 3))
    log_prior = np.log(np.array([0.5, 0.3, 0.2]))
    probs = tempered_probs(log_prior, loglik, true_temperature)
    truth = (rng.random(20_000)[:, None] > np.cumsum(probs, axis=1)).sum(axis=1)
    fitted = fit_temperature_known(log_prior, loglik, truth)
    assert fitted == pytest.approx(true_temperature, rel=0.05)
    # Deterministic: the same input, the same temperature.
    assert fit_temperature_known(log_prior, loglik, truth) == fitted


def test_tempered_probs_are_normalised_and_flatten_with_temperature():
    loglik = np.array([[0.0, -4.0], [-1.0, 0.0]])
    log_prior = np.log([0.5, 0.5])
    sharp = tempered_probs(log_prior, loglik, 1.0)
    flat = tempered_probs(log_prior, loglik, 4.0)
    np.testing.assert_allclose(sharp.sum(axis=1), 1.0)
    np.testing.assert_allclose(flat.sum(axis=1), 1.0)
    assert flat.max() < sharp.max()
    np.testing.assert_array_equal(flat.argmax(axis=1), sharp.argmax(axis=1))


def test_log_likelihoods_sum_each_items_annotations():
    log_conf = np.log(np.array([[[0.8, 0.2], [0.3, 0.7]], [[0.6, 0.4], [0.1, 0.9]]]))
    ll = log_likelihoods(
        np.array([0, 0, 1]),
        np.array([0, 1, 1]),
        np.array([0, 1, 0]),
        n_items=3,
        log_confusion=log_conf,
    )
    np.testing.assert_allclose(ll[0], np.log([0.8 * 0.4, 0.3 * 0.9]))
    np.testing.assert_allclose(ll[1], np.log([0.6, 0.1]))
    np.testing.assert_array_equal(ll[2], 0.0)


def test_fit_temperature_held_out_is_one_on_items_rated_once():
    assert (
        fit_temperature_held_out(
            np.array([0, 1]),
            np.array([0, 0]),
            np.array([0, 1]),
            loglik=np.zeros((2, 2)),
            posteriors=np.full((2, 2), 0.5),
            counts=np.ones((1, 2, 2)),
            prior_counts=np.ones((2, 2)),
            log_prior=np.log([0.5, 0.5]),
        )
        == 1.0
    )
