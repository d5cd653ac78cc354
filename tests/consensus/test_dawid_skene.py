import numpy as np
import pytest
from crowdkit.aggregation import DawidSkene

from articles.consensus import NO_LABEL, dawid_skene, majority_vote
from tests.consensus.conftest import arrays
from tests.consensus.reference import reference_dawid_skene
from tests.consensus.simulate import Crowd, simulate


def fit_both(crowd, **options):
    ours = dawid_skene(
        *arrays(crowd),
        n_items=crowd.n_items,
        n_workers=crowd.n_workers,
        n_labels=crowd.n_labels,
        **options,
    )
    theirs = DawidSkene(n_iter=options.get("max_iter", 100), tol=options.get("tol", 1e-5))
    theirs.fit(crowd.frame())
    return ours, theirs


@pytest.mark.parametrize(("n_labels", "seed"), [(3, 0), (3, 1), (2, 2), (5, 3)])
def test_dawid_skene_matches_crowdkit(crowds, n_labels, seed):
    crowd = crowds(n_labels, seed)
    ours, theirs = fit_both(crowd)
    reference_labels = theirs.labels_.sort_index().to_numpy()
    reference_probs = (
        theirs.probas_.reindex(columns=range(n_labels), fill_value=0.0).sort_index().to_numpy()
    )
    same = ours.posteriors.labels == reference_labels
    assert same.mean() >= 0.999
    np.testing.assert_allclose(ours.posteriors.probs, reference_probs, atol=1e-6)
    assert ours.n_iter == len(theirs.loss_history_)
    assert ours.elbo == pytest.approx(theirs.loss_history_[-1], abs=1e-9)
    np.testing.assert_allclose(ours.priors, theirs.priors_.sort_index().to_numpy(), atol=1e-9)
    # crowd-kit's errors_ is indexed (worker, given) with a column per true label.
    errors = theirs.errors_.reindex(columns=range(n_labels))
    workers = errors.index.get_level_values("worker").to_numpy()
    given = errors.index.get_level_values("label").to_numpy()
    np.testing.assert_allclose(
        ours.confusion[workers, :, given], errors.to_numpy(), atol=1e-8, rtol=1e-6
    )


def test_dawid_skene_matches_crowdkit_with_few_iterations(crowds):
    crowd = crowds(3, 4)
    ours, theirs = fit_both(crowd, max_iter=3)
    assert ours.n_iter == 3
    assert not ours.converged
    assert (ours.posteriors.labels == theirs.labels_.sort_index().to_numpy()).mean() >= 0.999


def test_dawid_skene_result_shapes_and_normalisation(crowds):
    crowd = crowds(3, 0)
    result, _ = fit_both(crowd)
    assert result.posteriors.probs.shape == (crowd.n_items, 3)
    assert result.confusion.shape == (crowd.n_workers, 3, 3)
    np.testing.assert_allclose(result.confusion.sum(axis=2), 1.0)
    np.testing.assert_allclose(result.posteriors.probs.sum(axis=1), 1.0)
    assert result.priors.sum() == pytest.approx(1.0)
    assert result.converged
    assert 0 < result.n_iter < 100


def test_dawid_skene_is_deterministic_and_order_independent(crowds):
    crowd = crowds(3, 5)
    first = dawid_skene(
        *arrays(crowd), n_items=crowd.n_items, n_workers=crowd.n_workers, n_labels=3
    )
    again = dawid_skene(
        *arrays(crowd), n_items=crowd.n_items, n_workers=crowd.n_workers, n_labels=3
    )
    np.testing.assert_array_equal(first.posteriors.probs, again.posteriors.probs)
    order = np.random.default_rng(0).permutation(crowd.item_idx.size)
    shuffled = dawid_skene(
        crowd.item_idx[order],
        crowd.worker_idx[order],
        crowd.label_idx[order],
        n_items=crowd.n_items,
        n_workers=crowd.n_workers,
        n_labels=3,
    )
    np.testing.assert_array_equal(shuffled.posteriors.probs, first.posteriors.probs)


def test_dawid_skene_recovers_a_reliable_annotator_against_a_swapped_one():
    # Annotator 0 is always right, 1 always says the next label, 2 is mostly right.
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 3, size=300)
    items = np.repeat(np.arange(300), 3)
    workers = np.tile([0, 1, 2], 300)
    flip = rng.random(300) < 0.2
    answers = np.stack([truth, (truth + 1) % 3, np.where(flip, (truth + 2) % 3, truth)], axis=1)
    result = dawid_skene(items, workers, answers.ravel(), n_items=300, n_workers=3, n_labels=3)
    assert (result.posteriors.labels == truth).mean() == 1.0
    assert result.confusion[0].diagonal().min() > 0.99
    assert result.confusion[1, 0, 1] > 0.99


def test_dawid_skene_items_and_workers_without_annotations():
    result = dawid_skene(
        [0, 0, 2, 2], [0, 1, 0, 1], [1, 1, 0, 0], n_items=4, n_workers=3, n_labels=2
    )
    assert result.posteriors.labels.tolist() == [1, NO_LABEL, 0, NO_LABEL]
    assert result.posteriors.probs[1].tolist() == [0.0, 0.0]
    assert not result.posteriors.tie[1]
    np.testing.assert_allclose(result.confusion[2], 0.5)  # unseen annotator: uniform rows
    assert result.priors.sum() == pytest.approx(1.0)


def test_dawid_skene_exact_tie_gets_no_label():
    # Two annotators with mirrored behaviour disagree on one item: perfectly symmetric.
    result = dawid_skene([0, 0], [0, 1], [0, 1], n_items=1, n_workers=2, n_labels=2)
    assert result.posteriors.tie.tolist() == [True]
    assert result.posteriors.labels.tolist() == [NO_LABEL]


def test_dawid_skene_without_annotations():
    result = dawid_skene([], [], [], n_items=2, n_workers=1, n_labels=3)
    assert result.posteriors.labels.tolist() == [NO_LABEL, NO_LABEL]
    assert result.n_iter == 0
    np.testing.assert_allclose(result.priors, 1 / 3)


def test_dawid_skene_with_no_iterations_is_majority_vote(crowds):
    crowd = crowds(3, 0)
    result = dawid_skene(
        *arrays(crowd), n_items=crowd.n_items, n_workers=crowd.n_workers, n_labels=3, max_iter=0
    )
    majority = majority_vote(*arrays(crowd), n_items=crowd.n_items, n_labels=3)
    np.testing.assert_allclose(result.posteriors.probs, majority.probs)
    assert result.n_iter == 0


def test_dawid_skene_unused_label_keeps_working():
    # Label 2 exists in the scheme but nobody used it.
    result = dawid_skene(
        [0, 0, 1, 1], [0, 1, 0, 1], [0, 0, 1, 1], n_items=2, n_workers=2, n_labels=3
    )
    assert result.posteriors.labels.tolist() == [0, 1]
    assert result.posteriors.probs[:, 2].max() < 1e-6


# --- against the plain reference implementation (tests/consensus/reference.py) ---------------


def assert_matches_reference(crowd, *, n_items=None, n_workers=None, **options):
    sizes = {
        "n_items": crowd.n_items if n_items is None else n_items,
        "n_workers": crowd.n_workers if n_workers is None else n_workers,
        "n_labels": crowd.n_labels,
    }
    ours = dawid_skene(*arrays(crowd), **sizes, **options)
    plain = reference_dawid_skene(*arrays(crowd), **sizes, **options)
    assert ours.n_iter == plain.n_iter
    assert ours.converged == plain.converged
    np.testing.assert_allclose(ours.posteriors.probs, plain.probs, rtol=0, atol=1e-8)
    np.testing.assert_array_equal(ours.posteriors.labels, plain.labels)
    np.testing.assert_array_equal(ours.posteriors.tie, plain.tie)
    np.testing.assert_allclose(ours.priors, plain.priors, rtol=0, atol=1e-8)
    np.testing.assert_allclose(ours.confusion, plain.confusion, rtol=0, atol=1e-8)
    if plain.n_iter:
        assert ours.elbo == pytest.approx(plain.elbo, abs=1e-8)
    return ours


@pytest.mark.parametrize(
    ("n_labels", "seed", "n_items", "n_workers", "per_item"),
    [
        (2, 101, 40, 6, 3),
        (3, 102, 60, 8, 4),
        (3, 103, 80, 12, 2),  # sparse: many items with one annotation
        (4, 104, 50, 10, 5),
        (5, 105, 70, 9, 3),
        (3, 106, 30, 30, 6),  # many annotators, each with little work
    ],
)
def test_dawid_skene_matches_reference_on_small_crowds(
    n_labels, seed, n_items, n_workers, per_item
):
    crowd = simulate(
        n_items=n_items,
        n_workers=n_workers,
        n_labels=n_labels,
        n_annotations=per_item * n_items,
        seed=seed,
    )
    assert_matches_reference(crowd)


def test_dawid_skene_matches_reference_with_idle_annotators_and_unrated_items():
    crowd = simulate(n_items=50, n_workers=8, n_labels=3, seed=107)
    # Two more items and three more annotators that nobody's annotations mention.
    ours = assert_matches_reference(crowd, n_items=52, n_workers=11)
    assert ours.posteriors.labels[-2:].tolist() == [NO_LABEL, NO_LABEL]


@pytest.mark.parametrize("max_iter", [0, 1, 3])
def test_dawid_skene_matches_reference_when_stopped_early(max_iter):
    crowd = simulate(n_items=60, n_workers=10, n_labels=3, seed=108)
    ours = assert_matches_reference(crowd, max_iter=max_iter)
    assert ours.n_iter == max_iter
    assert not ours.converged


@pytest.mark.parametrize(
    ("items", "workers", "labels"),
    [
        ([0, 0], [0, 1], [0, 1]),  # a perfectly symmetric disagreement: a tie
        ([0, 0, 1, 1], [0, 1, 0, 1], [0, 1, 1, 0]),
        ([0, 1, 2], [0, 0, 0], [2, 2, 2]),  # one annotator, one label
    ],
)
def test_dawid_skene_matches_reference_on_tiny_crowds(items, workers, labels):
    crowd = Crowd(
        item_idx=np.array(items),
        worker_idx=np.array(workers),
        label_idx=np.array(labels),
        truth=np.zeros(max(items) + 1, dtype=np.int64),
        kind=np.zeros(max(workers) + 1, dtype=np.int64),
        confusion=np.zeros((max(workers) + 1, 3, 3)),
        n_items=max(items) + 1,
        n_workers=max(workers) + 1,
        n_labels=3,
    )
    assert_matches_reference(crowd)


def test_dawid_skene_matches_reference_when_wide_columns_are_summed_by_slices():
    # Over 2048 items with three or more annotations: the optimised E-step sums the first
    # columns of its layout with slice additions and only the rest with bincount.
    crowd = simulate(n_items=2600, n_workers=40, n_labels=3, n_annotations=5 * 2600, seed=109)
    votes = np.bincount(crowd.item_idx, minlength=crowd.n_items)
    assert (votes >= 3).sum() >= 2048
    assert_matches_reference(crowd)


@pytest.mark.parametrize(("n_labels", "seed", "share"), [(3, 5, 0.2), (2, 6, 0.5), (4, 7, 0.05)])
def test_dawid_skene_with_known_answers_matches_crowdkit_true_labels(crowds, n_labels, seed, share):
    # crowd-kit's fit(true_labels=...) is the peer for fixing known items' truth in EM.
    import pandas as pd

    crowd = crowds(n_labels, seed, n_items=1500)
    known = crowd.gold(share, seed=seed)
    ours = dawid_skene(
        *arrays(crowd),
        n_items=crowd.n_items,
        n_workers=crowd.n_workers,
        n_labels=n_labels,
        known=known,
    )
    fixed = np.flatnonzero(known >= 0)
    theirs = DawidSkene(n_iter=100, tol=1e-5).fit(
        crowd.frame(), true_labels=pd.Series(known[fixed], index=fixed)
    )
    probs = theirs.probas_.reindex(columns=range(n_labels), fill_value=0.0).sort_index()
    np.testing.assert_allclose(ours.posteriors.probs, probs.to_numpy(), atol=1e-6)
    assert ours.n_iter == len(theirs.loss_history_)
    np.testing.assert_array_equal(ours.posteriors.labels[fixed], known[fixed])
    np.testing.assert_array_equal(ours.posteriors.confidence[fixed], 1.0)


def test_dawid_skene_known_answers_change_the_estimate_of_their_annotators():
    # Two annotators always disagree; without truth EM cannot tell who is right, with a few
    # known answers it trusts the one who matches them.
    items = np.repeat(np.arange(40), 2)
    workers = np.tile([0, 1], 40)
    truth = np.arange(40) % 2
    labels = np.where(workers == 0, truth[items], 1 - truth[items])
    known = np.full(40, -1)
    known[:6] = truth[:6]
    fit = dawid_skene(items, workers, labels, n_items=40, n_workers=2, n_labels=2, known=known)
    assert fit.confusion[0, 0, 0] > 0.99
    assert fit.confusion[1, 0, 0] < 0.01
    np.testing.assert_array_equal(fit.posteriors.labels, truth)


def test_dawid_skene_confusion_prior_shrinks_sparse_annotators():
    items = np.array([0, 0, 0, 1, 1, 1])
    workers = np.array([0, 1, 2, 0, 1, 2])
    labels = np.array([0, 0, 1, 1, 1, 1])
    prior = np.array([[3.0, 1.0], [1.0, 3.0]])
    plain = dawid_skene(items, workers, labels, n_items=2, n_workers=3, n_labels=2)
    shrunk = dawid_skene(
        items, workers, labels, n_items=2, n_workers=3, n_labels=2, confusion_prior=prior
    )
    # Without the prior a two-rating annotator's matrix is all but certain; with it, every
    # entry keeps a share of the pseudo-counts, and rows still sum to one.
    assert plain.confusion.max() > 0.99
    assert shrunk.confusion.max() < 0.9
    assert shrunk.confusion.min() > 0.1
    np.testing.assert_allclose(shrunk.confusion.sum(axis=2), 1.0)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"known": np.zeros(3, dtype=np.int64)}, "known must have shape"),
        ({"known": np.array([0.5, 1.0])}, "integer label codes"),
        ({"known": np.array([0, 2])}, "known codes must be -1 or lie in"),
        ({"known": np.array([-2, 0])}, "known codes must be -1 or lie in"),
        ({"confusion_prior": np.ones(2)}, "confusion_prior must have shape"),
        ({"confusion_prior": -np.ones((2, 2))}, "non-negative pseudo-counts"),
        ({"class_prior": -1.0}, "class_prior must be a non-negative number"),
    ],
)
def test_dawid_skene_rejects_malformed_known_answers_and_priors(options, message):
    with pytest.raises(ValueError, match=message):
        dawid_skene([0, 1], [0, 0], [0, 1], n_items=2, n_workers=1, n_labels=2, **options)
