import pytest

from tests.consensus.simulate import simulate


@pytest.fixture(scope="session")
def crowds():
    """Generated datasets keyed by (n_labels, seed), built once per test session."""
    cache = {}

    def get(n_labels, seed, **options):
        key = (n_labels, seed, tuple(sorted(options.items())))
        if key not in cache:
            cache[key] = simulate(
                n_items=options.pop("n_items", 3000),
                n_workers=options.pop("n_workers", 80),
                n_labels=n_labels,
                seed=seed,
                **options,
            )
        return cache[key]

    return get


def arrays(crowd):
    return crowd.item_idx, crowd.worker_idx, crowd.label_idx
