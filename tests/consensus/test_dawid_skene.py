import numpy as np
import pytest
from crowdkit.aggregation import DawidSkene

from articles.consensus import NO_LABEL, dawid_skene, majority_vote
from tests.consensus.conftest import arrays


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


@pytest.mark.parametrize("min_width", [1, 10**9])
def test_dawid_skene_same_result_whichever_columns_are_summed_by_slices(
    crowds, monkeypatch, min_width
):
    # The E-step sums wide columns of its layout with slice additions and narrow ones with
    # bincount; forcing every column down one path or the other must not change the fit.
    import importlib

    module = importlib.import_module("articles.consensus.dawid_skene")

    crowd = crowds(3, 6, n_items=4000, n_workers=60)
    sizes = {"n_items": crowd.n_items, "n_workers": crowd.n_workers, "n_labels": 3}
    default = dawid_skene(*arrays(crowd), **sizes)
    monkeypatch.setattr(module, "MIN_COLUMN_WIDTH", min_width)
    forced = dawid_skene(*arrays(crowd), **sizes)
    assert forced.n_iter == default.n_iter
    np.testing.assert_allclose(forced.posteriors.probs, default.posteriors.probs, atol=1e-12)
    np.testing.assert_array_equal(forced.posteriors.labels, default.posteriors.labels)
