import numpy as np
import pytest

from tests.consensus.simulate import KINDS, simulate


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
