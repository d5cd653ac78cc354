import numpy as np
import pytest

from articles.consensus import codes_in, id_codes, sort_annotations


@pytest.mark.parametrize(
    "ids",
    [
        [7, 3, 7, 12, 3, 3],  # small database keys: lookup-table path
        [10**12, 5, 10**12, 42],  # spread far wider than their count: np.unique path
        [-4, 2, -4, 0],  # negative: np.unique path
        [],
    ],
)
def test_id_codes_matches_numpy_unique(ids):
    values = np.array(ids, dtype=np.int64)
    uniques, codes = id_codes(values)
    expected_uniques, expected_codes = np.unique(values, return_inverse=True)
    np.testing.assert_array_equal(uniques, expected_uniques)
    np.testing.assert_array_equal(codes, expected_codes.reshape(-1))
    np.testing.assert_array_equal(uniques[codes], values)


def test_codes_in_marks_absent_values():
    universe = np.array([2, 5, 9], dtype=np.int64)
    values = np.array([9, 1, 5, 10, 2, 2], dtype=np.int64)
    assert codes_in(values, universe).tolist() == [2, -1, 1, -1, 0, 0]
    assert codes_in(values, np.zeros(0, dtype=np.int64)).tolist() == [-1] * 6


@pytest.mark.parametrize("n_workers", [50, 2**40])  # the second forces the lexsort fallback
def test_sort_annotations_orders_by_item_worker_label(n_workers):
    rng = np.random.default_rng(0)
    items = rng.integers(0, 30, size=400)
    workers = rng.integers(0, 50, size=400)
    labels = rng.integers(0, 3, size=400)
    if n_workers > 50:
        items = items * 2**22  # large item codes too, so the packed key cannot fit
    got = sort_annotations(items, workers, labels, n_workers=n_workers, n_labels=3)
    order = np.lexsort((labels, workers, items))
    for sorted_column, column in zip(got, (items, workers, labels), strict=True):
        np.testing.assert_array_equal(sorted_column, column[order])


def test_codes_in_with_keys_spread_wide_uses_the_same_rule():
    universe = np.array([3, 10**13, 10**14], dtype=np.int64)
    values = np.array([10**14, 4, 3, -2, 10**15], dtype=np.int64)
    assert codes_in(values, universe).tolist() == [2, -1, 0, -1, -1]


def test_posteriors_from_columns_matches_posteriors_from_scores():
    from articles.consensus.arrays import posteriors_from_columns, posteriors_from_scores

    rng = np.random.default_rng(4)
    rows = np.array([5, 0, 3, 7], dtype=np.int64)  # items 1, 2, 4, 6 have no votes
    columns = rng.random((3, rows.size))
    columns[:, 1] = [0.4, 0.4, 0.2]  # a tie between labels 0 and 1
    columns[:, 2] = [0.2, 0.2, 0.6]
    got = posteriors_from_columns(columns, rows, n_items=8)
    table = np.zeros((8, 3))
    table[rows] = columns.T
    has_votes = np.zeros(8, dtype=bool)
    has_votes[rows] = True
    expected = posteriors_from_scores(table, has_votes)
    np.testing.assert_array_equal(got.probs, expected.probs)
    np.testing.assert_array_equal(got.labels, expected.labels)
    np.testing.assert_array_equal(got.tie, expected.tie)
    assert got.labels[0] == -1
    assert got.tie[0]
    assert got.labels[3] == 2
    assert got.labels[[1, 2, 4, 6]].tolist() == [-1] * 4
