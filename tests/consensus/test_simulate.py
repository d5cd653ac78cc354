import numpy as np
import pytest

from articles.consensus import dawid_skene
from articles.consensus.calibration import calibration_report
from tests.consensus.simulate import HARD_CROWD, KINDS, hard_crowd, simulate


@pytest.mark.parametrize("n_labels", [2, 3, 5])
def test_simulate_shapes_and_ranges(n_labels):
    crowd = simulate(n_items=500, n_workers=40, n_labels=n_labels, seed=1)
    n = crowd.item_idx.size
    assert crowd.worker_idx.size == crowd.label_idx.size == n
    assert 4 * 500 <= n <= 6 * 500
    assert crowd.label_idx.min() >= 0
    assert crowd.label_idx.max() < n_labels
    assert crowd.truth.shape == (500,)
    np.testing.assert_allclose(crowd.confusion.sum(axis=2), 1.0)
    pairs = crowd.item_idx * crowd.n_workers + crowd.worker_idx
    assert np.unique(pairs).size == n  # one annotation per (item, annotator)
    assert np.bincount(crowd.item_idx, minlength=500).min() >= 1


def test_simulate_is_seeded():
    first = simulate(n_items=200, seed=5)
    second = simulate(n_items=200, seed=5)
    other = simulate(n_items=200, seed=6)
    np.testing.assert_array_equal(first.label_idx, second.label_idx)
    assert not np.array_equal(first.truth, other.truth)


def test_simulate_workload_is_uneven_and_kinds_are_mixed():
    crowd = simulate(n_items=5000, n_workers=200, seed=2)
    load = np.sort(np.bincount(crowd.worker_idx, minlength=200))[::-1]
    assert load[:20].sum() > 3 * load[-20:].sum()
    assert set(np.unique(crowd.kind)) == set(range(len(KINDS)))


def test_simulate_annotator_kinds_behave():
    crowd = simulate(n_items=8000, n_workers=50, seed=3)
    correct = crowd.label_idx == crowd.truth[crowd.item_idx]
    by_kind = {
        kind: correct[crowd.kind[crowd.worker_idx] == code].mean()
        for code, kind in enumerate(KINDS)
        if (crowd.kind == code).any()
    }
    assert by_kind["reliable"] > 0.8
    assert by_kind["adversarial"] < 0.3
    assert by_kind["reliable"] > by_kind["noisy"] > by_kind["spammer"] - 0.05


@pytest.fixture(scope="module")
def hard():
    return hard_crowd(n_items=6000, seed=11)


def test_simulate_hard_crowd_items_differ_in_difficulty(hard):
    correct = hard.label_idx == hard.truth[hard.item_idx]
    hardness = hard.difficulty[hard.item_idx]
    assert correct[hardness < 0.05].mean() > correct[hardness > 0.5].mean() + 0.3
    assert np.median(hard.difficulty) < 0.2 < 0.4 < np.quantile(hard.difficulty, 0.9)


def test_simulate_hard_crowd_groups_copy_each_other(hard):
    # Two annotators of one group agree on a shared item far more often than two strangers.
    frame = hard.frame()
    frame["group"] = hard.group[frame["worker"].to_numpy()]
    pairs = frame.merge(frame, on="task")
    pairs = pairs[pairs["worker_x"] < pairs["worker_y"]]
    agree = pairs["label_x"] == pairs["label_y"]
    same = (pairs["group_x"] >= 0) & (pairs["group_x"] == pairs["group_y"])
    assert agree[same].mean() > agree[~same].mean() + 0.15
    assert (hard.group >= 0).sum() == HARD_CROWD["n_groups"] * HARD_CROWD["group_size"]


def test_simulate_hard_crowd_has_many_sparse_annotators_and_unbalanced_classes(hard):
    load = np.bincount(hard.worker_idx, minlength=hard.n_workers)
    assert (load[HARD_CROWD["n_workers"] :] <= 5).mean() > 0.95
    assert load[HARD_CROWD["n_workers"] :].sum() == pytest.approx(0.3 * load.sum(), rel=0.1)
    shares = np.bincount(hard.truth, minlength=3) / hard.n_items
    assert shares[0] > 0.6
    assert shares[2] < 0.13


def test_simulate_hard_crowd_makes_dawid_skene_overconfident(hard):
    # The failure the issue measured on real crowds: confident, and wrong more often than that.
    fit = dawid_skene(
        hard.item_idx,
        hard.worker_idx,
        hard.label_idx,
        n_items=hard.n_items,
        n_workers=hard.n_workers,
        n_labels=3,
    )
    report = calibration_report(fit.posteriors, hard.truth, threshold=0.8)
    assert report.mean_confidence > report.accuracy + 0.1
    assert report.ece > 0.1
    assert report.settled_accuracy < 0.8


def test_simulate_gold_reveals_a_share_of_the_truth(hard):
    gold = hard.gold(0.2, seed=3)
    shown = gold >= 0
    assert shown.sum() == 1200
    np.testing.assert_array_equal(gold[shown], hard.truth[shown])
    np.testing.assert_array_equal(gold, hard.gold(0.2, seed=3))
