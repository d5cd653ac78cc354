"""Model-based methods beat plain majority vote when annotators differ in reliability."""

import numpy as np
import pytest

from articles.consensus import dawid_skene, majority_vote, weighted_vote
from tests.consensus.conftest import arrays


def accuracy(labels, truth):
    # A tie (-1) counts as wrong: it gives the desk no answer.
    return float(np.mean(labels == truth))


@pytest.mark.parametrize(("n_labels", "seed"), [(3, 40), (2, 41), (5, 42)])
def test_accuracy_dawid_skene_and_weighted_beat_majority(crowds, n_labels, seed):
    crowd = crowds(n_labels, seed)
    sizes = {"n_items": crowd.n_items, "n_labels": n_labels}
    majority = majority_vote(*arrays(crowd), **sizes)
    weighted = weighted_vote(*arrays(crowd), **sizes, n_workers=crowd.n_workers)
    ds = dawid_skene(*arrays(crowd), **sizes, n_workers=crowd.n_workers)
    acc_majority = accuracy(majority.labels, crowd.truth)
    # Fair to majority vote: also score it with ties broken at random.
    rng = np.random.default_rng(0)
    noisy = majority.probs + rng.random(majority.probs.shape) * 1e-9
    acc_majority_broken = accuracy(noisy.argmax(axis=1), crowd.truth)
    acc_weighted = accuracy(weighted.posteriors.labels, crowd.truth)
    acc_ds = accuracy(ds.posteriors.labels, crowd.truth)
    assert acc_ds >= acc_majority_broken + 0.05
    assert acc_weighted >= acc_majority_broken + 0.05
    assert acc_majority_broken >= acc_majority
    assert acc_ds >= 0.85


def test_accuracy_dawid_skene_confusion_tracks_true_confusion(crowds):
    crowd = crowds(3, 43, n_items=6000)
    ds = dawid_skene(*arrays(crowd), n_items=crowd.n_items, n_workers=crowd.n_workers, n_labels=3)
    busy = np.bincount(crowd.worker_idx, minlength=crowd.n_workers) >= 300
    true_diag = np.diagonal(crowd.confusion, axis1=1, axis2=2)[busy]
    fitted_diag = np.diagonal(ds.confusion, axis1=1, axis2=2)[busy]
    assert np.abs(true_diag - fitted_diag).mean() < 0.05
