import numpy as np
import pytest

from articles.consensus import (
    CONTESTED,
    NO_LABEL,
    PENDING,
    SETTLED,
    STATUS_NAMES,
    Posteriors,
    decide,
)
from articles.consensus.arrays import posteriors_from_scores


def one_item(probs, *, tie=None):
    probs = np.array([probs], dtype=float)
    post = posteriors_from_scores(probs, probs.sum(axis=1) > 0, atol=0.0)
    if tie is not None:
        assert post.tie[0] == tie
    return post


@pytest.mark.parametrize(
    ("probs", "n_votes", "min_votes", "threshold", "status", "label"),
    [
        # unanimity
        ([0.0, 1.0, 0.0], 3, 3, 0.8, SETTLED, 1),
        ([1.0, 0.0], 5, 3, 1.0, SETTLED, 0),
        # too few votes: pending even when unanimous, provisional label kept
        ([0.0, 1.0, 0.0], 2, 3, 0.8, PENDING, 1),
        ([1.0, 0.0, 0.0], 1, 3, 0.5, PENDING, 0),
        # no votes at all
        ([0.0, 0.0, 0.0], 0, 3, 0.8, PENDING, NO_LABEL),
        ([0.0, 0.0, 0.0], 0, 0, 0.8, PENDING, NO_LABEL),
        # ties are contested whatever the threshold
        ([0.5, 0.5, 0.0], 4, 3, 0.5, CONTESTED, NO_LABEL),
        ([1 / 3, 1 / 3, 1 / 3], 3, 3, 0.3, CONTESTED, NO_LABEL),
        # ties with too few votes are pending
        ([0.5, 0.5], 2, 3, 0.5, PENDING, NO_LABEL),
        # threshold edges: inclusive
        ([0.2, 0.8, 0.0], 5, 3, 0.8, SETTLED, 1),
        ([0.2000001, 0.7999999, 0.0], 5, 3, 0.8, CONTESTED, 1),
        ([2 / 3, 1 / 3], 3, 3, 2 / 3, SETTLED, 0),
        ([2 / 3, 1 / 3], 3, 3, 0.67, CONTESTED, 0),
        # exactly min_votes is enough
        ([0.0, 0.0, 1.0], 3, 3, 0.8, SETTLED, 2),
        # more labels
        ([0.1, 0.1, 0.6, 0.1, 0.1], 10, 3, 0.6, SETTLED, 2),
        ([0.1, 0.1, 0.6, 0.1, 0.1], 10, 3, 0.61, CONTESTED, 2),
    ],
)
def test_decide_table(probs, n_votes, min_votes, threshold, status, label):
    outcome = decide(one_item(probs), np.array([n_votes]), min_votes=min_votes, threshold=threshold)
    assert outcome.status.tolist() == [status]
    assert outcome.labels.tolist() == [label]
    assert outcome.status_names.tolist() == [STATUS_NAMES[status]]
    assert outcome.confidence[0] == pytest.approx(max(probs))


def test_decide_many_items_at_once():
    probs = np.array([[1.0, 0.0], [0.5, 0.5], [0.9, 0.1], [0.0, 0.0]])
    post = posteriors_from_scores(probs, probs.sum(axis=1) > 0, atol=0.0)
    outcome = decide(post, np.array([3, 4, 1, 0]), min_votes=2, threshold=0.8)
    assert outcome.status_names.tolist() == ["settled", "contested", "pending", "pending"]
    assert outcome.labels.tolist() == [0, NO_LABEL, 0, NO_LABEL]


def test_decide_status_codes_and_names():
    assert (PENDING, SETTLED, CONTESTED) == (0, 1, 2)
    assert STATUS_NAMES == ("pending", "settled", "contested")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"min_votes": 1, "threshold": 0.0}, "threshold"),
        ({"min_votes": 1, "threshold": 1.5}, "threshold"),
        ({"min_votes": -1, "threshold": 0.8}, "min_votes"),
    ],
)
def test_decide_rejects_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        decide(one_item([1.0, 0.0]), np.array([3]), **kwargs)


def test_decide_rejects_wrong_vote_shape():
    with pytest.raises(ValueError, match="n_votes"):
        decide(one_item([1.0, 0.0]), np.array([3, 3]), min_votes=1, threshold=0.8)


def test_decide_outcome_is_frozen():
    outcome = decide(one_item([1.0, 0.0]), np.array([3]), min_votes=1, threshold=0.8)
    with pytest.raises(AttributeError):
        outcome.status = None
    assert isinstance(one_item([1.0, 0.0]), Posteriors)
