import krippendorff
import numpy as np
import pytest

from articles.consensus import (
    agreement_with_consensus,
    alpha_by_group,
    estimated_accuracy,
    item_agreement,
    krippendorff_alpha,
)
from tests.consensus.conftest import arrays


def library_alpha(items, workers, labels, n_items, n_workers, n_labels):
    data = np.full((n_workers, n_items), np.nan)
    data[workers, items] = labels
    return krippendorff.alpha(
        reliability_data=data, level_of_measurement="nominal", value_domain=list(range(n_labels))
    )


@pytest.mark.parametrize(("n_labels", "seed"), [(2, 30), (3, 31), (5, 32)])
def test_krippendorff_alpha_matches_library(crowds, n_labels, seed):
    crowd = crowds(n_labels, seed)
    ours = krippendorff_alpha(
        *arrays(crowd), n_items=crowd.n_items, n_workers=crowd.n_workers, n_labels=n_labels
    )
    expected = library_alpha(
        crowd.item_idx, crowd.worker_idx, crowd.label_idx, crowd.n_items, crowd.n_workers, n_labels
    )
    assert ours == pytest.approx(expected, abs=1e-12)


def test_krippendorff_alpha_excludes_single_annotation_items():
    items = [0, 0, 0, 1, 1, 2]
    workers = [0, 1, 2, 0, 1, 2]
    labels = [0, 0, 1, 1, 1, 0]
    ours = krippendorff_alpha(items, workers, labels, n_items=3, n_workers=3, n_labels=2)
    with_single_removed = krippendorff_alpha(
        items[:5], workers[:5], labels[:5], n_items=3, n_workers=3, n_labels=2
    )
    assert ours == pytest.approx(with_single_removed)
    assert ours == pytest.approx(library_alpha(items, workers, labels, 3, 3, 2))


@pytest.mark.parametrize(
    ("items", "labels", "expected"),
    [
        ([], [], np.nan),  # nothing at all
        ([0, 1, 2], [0, 1, 0], np.nan),  # no item has two annotations
        ([0, 0, 1, 1], [1, 1, 1, 1], np.nan),  # one label only: no expected disagreement
        ([0, 0, 1, 1], [0, 0, 1, 1], 1.0),  # perfect agreement
    ],
)
def test_krippendorff_alpha_undefined_and_perfect_cases(items, labels, expected):
    workers = [i % 2 for i in range(len(items))]
    alpha = krippendorff_alpha(items, workers, labels, n_items=3, n_workers=2, n_labels=2)
    if np.isnan(expected):
        assert np.isnan(alpha)
    else:
        assert alpha == pytest.approx(expected)


def test_alpha_by_group_matches_alpha_per_group(crowds):
    crowd = crowds(3, 33)
    n_groups = 7
    group_of_item = np.random.default_rng(0).integers(0, n_groups - 1, size=crowd.n_items)
    # Group 6 is empty: undefined.
    result = alpha_by_group(
        *arrays(crowd),
        n_items=crowd.n_items,
        n_workers=crowd.n_workers,
        n_labels=3,
        group_of_item=group_of_item,
        n_groups=n_groups,
    )
    assert result.shape == (n_groups,)
    for group in range(n_groups - 1):
        keep = group_of_item[crowd.item_idx] == group
        expected = krippendorff_alpha(
            crowd.item_idx[keep],
            crowd.worker_idx[keep],
            crowd.label_idx[keep],
            n_items=crowd.n_items,
            n_workers=crowd.n_workers,
            n_labels=3,
        )
        assert result[group] == pytest.approx(expected, abs=1e-12)
    assert np.isnan(result[n_groups - 1])


def test_alpha_by_group_rejects_wrong_group_shape():
    with pytest.raises(ValueError, match="group_of_item"):
        alpha_by_group(
            [0], [0], [0], n_items=2, n_workers=1, n_labels=2, group_of_item=[0], n_groups=1
        )


def test_agreement_with_consensus_skips_unlabelled_items():
    items = [0, 0, 1, 1, 2]
    workers = [0, 1, 0, 1, 2]
    labels = [1, 0, 2, 2, 0]
    consensus = np.array([1, 2, -1])  # item 2 tied or unlabelled
    share = agreement_with_consensus(items, workers, labels, consensus, n_workers=4)
    assert share[0] == pytest.approx(1.0)
    assert share[1] == pytest.approx(0.0 + 1 / 2)
    assert np.isnan(share[2])  # only annotated the unlabelled item
    assert np.isnan(share[3])  # no annotations


def test_estimated_accuracy_weights_the_diagonal_by_the_prior():
    confusion = np.array([[[0.9, 0.1], [0.3, 0.7]], [[0.5, 0.5], [0.5, 0.5]]])
    result = estimated_accuracy(confusion, np.array([0.25, 0.75]))
    np.testing.assert_allclose(result, [0.25 * 0.9 + 0.75 * 0.7, 0.5])


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ([0, 0, 0], 1.0),
        ([0, 0, 1], 2 / 3),
        ([0, 1], 0.5),  # tie: the shared top count
        ([0, 1, 2, 3, 4], 0.2),
    ],
)
def test_item_agreement_is_the_top_label_share(labels, expected):
    result = item_agreement([0] * len(labels), labels, n_items=2, n_labels=5)
    assert result[0] == pytest.approx(expected)
    assert np.isnan(result[1])
