import numpy as np
import pytest
from crowdkit.aggregation import MajorityVote

from articles.consensus import NO_LABEL, majority_vote
from articles.consensus.arrays import stable_order


def test_majority_vote_shares_are_probabilities():
    post = majority_vote([0, 0, 0, 1, 1], [0, 1, 2, 0, 1], [1, 1, 0, 2, 2], n_items=2, n_labels=3)
    np.testing.assert_allclose(post.probs, np.array([[1 / 3, 2 / 3, 0.0], [0.0, 0.0, 1.0]]))
    assert post.labels.tolist() == [1, 2]
    assert post.tie.tolist() == [False, False]
    np.testing.assert_allclose(post.confidence, [2 / 3, 1])


@pytest.mark.parametrize(
    ("labels", "expected_label", "expected_tie"),
    [
        ([0, 1], NO_LABEL, True),  # 1-1
        ([0, 0, 1, 1], NO_LABEL, True),  # 2-2
        ([0, 1, 2], NO_LABEL, True),  # three-way
        ([0, 0, 1, 1, 2], NO_LABEL, True),  # tie at the top only
        ([0, 1, 1, 2, 2, 2], 2, False),
        ([1], 1, False),
    ],
)
def test_majority_vote_reports_ties_without_resolving_them(labels, expected_label, expected_tie):
    n = len(labels)
    post = majority_vote(np.zeros(n, int), np.arange(n), labels, n_items=1, n_labels=3)
    assert post.labels[0] == expected_label
    assert post.tie[0] == expected_tie


def test_majority_vote_item_without_votes_gets_no_label():
    post = majority_vote([1], [0], [1], n_items=3, n_labels=2)
    assert post.labels.tolist() == [NO_LABEL, 1, NO_LABEL]
    assert post.tie.tolist() == [False, False, False]
    assert post.probs[0].tolist() == [0.0, 0.0]
    assert post.has_votes.tolist() == [False, True, False]


def test_majority_vote_accepts_no_worker_array():
    post = majority_vote([0, 0], None, [1, 1], n_items=1, n_labels=2)
    assert post.labels.tolist() == [1]


@pytest.mark.parametrize("n_labels", [2, 3, 5])
def test_majority_vote_matches_crowdkit_on_untied_items(crowds, n_labels):
    crowd = crowds(n_labels, 11)
    ours = majority_vote(
        crowd.item_idx, crowd.worker_idx, crowd.label_idx, n_items=crowd.n_items, n_labels=n_labels
    )
    theirs = MajorityVote()
    probas = theirs.fit_predict_proba(crowd.frame())
    probas = probas.reindex(columns=range(n_labels), fill_value=0.0).sort_index()
    np.testing.assert_allclose(probas.to_numpy(), ours.probs, atol=1e-12)
    assert theirs.labels_ is not None
    reference = theirs.labels_.sort_index().to_numpy()
    untied = ~ours.tie
    assert untied.sum() > 0.8 * crowd.n_items
    np.testing.assert_array_equal(ours.labels[untied], reference[untied])
    # On ties crowd-kit silently picks the lowest label; ours leaves the claim undecided.
    assert (ours.labels[ours.tie] == NO_LABEL).all()
    assert (ours.probs[ours.tie].argmax(axis=1) == reference[ours.tie]).all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"item_idx": [0, 3], "label_idx": [0, 1]}, "item_idx"),
        ({"item_idx": [0, 1], "label_idx": [0, 2]}, "label_idx"),
        ({"item_idx": [0, 1], "label_idx": [0]}, "same length"),
        ({"item_idx": [0.5, 1], "label_idx": [0, 1]}, "integer"),
        ({"item_idx": [[0, 1]], "label_idx": [0, 1]}, "1-dimensional"),
    ],
)
def test_majority_vote_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        majority_vote(kwargs["item_idx"], None, kwargs["label_idx"], n_items=2, n_labels=2)


def test_majority_vote_rejects_single_label():
    with pytest.raises(ValueError, match="n_labels"):
        majority_vote([0], None, [0], n_items=1, n_labels=1)


@pytest.mark.parametrize("size", [0, 1, 2, 1000])
def test_stable_order_sorts_stably(size):
    keys = np.random.default_rng(size).integers(0, 7, size=size)
    np.testing.assert_array_equal(stable_order(keys, 7), np.argsort(keys, kind="stable"))


def test_stable_order_falls_back_for_huge_keys():
    keys = np.array([2**61, 5, 2**61, 0], dtype=np.int64)
    np.testing.assert_array_equal(stable_order(keys, 2**62), [3, 1, 0, 2])
