"""Synthetic crowd data for consensus tests and benchmarks.

`simulate()` draws true labels from a class prior, a population of annotators of different
kinds, a Zipf-like workload (a few annotators do most of the work) and the annotations, all
from one seeded numpy Generator, for any number of labels.

Annotator kinds (each defined by a confusion matrix ``[true, given]``):

* ``reliable``: right ~90% of the time, errors spread evenly;
* ``noisy``: right ~60% of the time;
* ``biased``: leans toward one favourite label whatever the truth;
* ``adversarial``: systematically answers the "next" label (k -> k+1 mod L);
* ``spammer``: answers uniformly at random.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import pandas as pd

KINDS = ("reliable", "noisy", "biased", "adversarial", "spammer")
DEFAULT_MIX = {"reliable": 0.35, "noisy": 0.3, "biased": 0.12, "adversarial": 0.08, "spammer": 0.15}


@dataclass(frozen=True)
class Crowd:
    item_idx: npt.NDArray[np.int64]
    worker_idx: npt.NDArray[np.int64]
    label_idx: npt.NDArray[np.int64]
    truth: npt.NDArray[np.int64]  # (n_items,)
    kind: npt.NDArray[np.int64]  # (n_workers,) index into KINDS
    confusion: npt.NDArray[np.float64]  # (n_workers, L, L) [true, given]
    n_items: int
    n_workers: int
    n_labels: int

    def frame(self) -> pd.DataFrame:
        """The annotations as the DataFrame crowd-kit reads (task, worker, label)."""
        import pandas as pd

        return pd.DataFrame(
            {"task": self.item_idx, "worker": self.worker_idx, "label": self.label_idx}
        )


def _confusions(
    rng: np.random.Generator, kinds: npt.NDArray[np.int64], n_labels: int
) -> npt.NDArray[np.float64]:
    n_workers = kinds.size
    conf = np.empty((n_workers, n_labels, n_labels))
    eye = np.eye(n_labels)
    off = (1.0 - eye) / (n_labels - 1)
    for code, kind in enumerate(KINDS):
        sel = np.flatnonzero(kinds == code)
        if not sel.size:
            continue
        if kind in ("reliable", "noisy"):
            lo, hi = (0.85, 0.95) if kind == "reliable" else (0.5, 0.7)
            acc = rng.uniform(lo, hi, size=sel.size)[:, None, None]
            conf[sel] = acc * eye + (1.0 - acc) * off
        elif kind == "biased":
            favourite = rng.integers(0, n_labels, size=sel.size)
            lean = rng.uniform(0.4, 0.6, size=sel.size)[:, None, None]
            base = 0.85 * eye + 0.15 * off
            pull = np.zeros((sel.size, n_labels, n_labels))
            pull[np.arange(sel.size), :, favourite] = 1.0
            conf[sel] = (1.0 - lean) * base + lean * pull
        elif kind == "adversarial":
            swap = np.roll(eye, 1, axis=1)  # true k -> given k+1
            strength = rng.uniform(0.7, 0.9, size=sel.size)[:, None, None]
            conf[sel] = strength * swap + (1.0 - strength) / n_labels
        else:
            conf[sel] = 1.0 / n_labels
    return conf


def simulate(
    *,
    n_items: int = 2000,
    n_workers: int = 60,
    n_labels: int = 3,
    n_annotations: int | None = None,
    seed: int = 0,
    class_prior: npt.ArrayLike | None = None,
    mix: dict[str, float] | None = None,
    zipf_exponent: float = 1.0,
) -> Crowd:
    """Generate a crowd dataset.

    ``n_annotations`` defaults to 5 per item; each item gets at least one annotation and never
    two from the same annotator. ``class_prior`` defaults to a geometric-decreasing prior;
    ``mix`` maps kinds to shares of annotators (default ``DEFAULT_MIX``).
    """
    rng = np.random.default_rng(seed)
    n_annotations = 5 * n_items if n_annotations is None else n_annotations
    prior = 0.7 ** np.arange(n_labels) if class_prior is None else np.asarray(class_prior, float)
    truth = rng.choice(n_labels, size=n_items, p=prior / prior.sum())

    mix = DEFAULT_MIX if mix is None else mix
    shares = np.array([mix.get(k, 0.0) for k in KINDS], dtype=float)
    kinds = rng.choice(len(KINDS), size=n_workers, p=shares / shares.sum()).astype(np.int64)
    confusion = _confusions(rng, kinds, n_labels)

    # Per-item workload: 1 + Poisson so the total is close to n_annotations, capped so an item
    # never needs more annotators than exist.
    mean_extra = max(n_annotations / n_items - 1.0, 0.0)
    per_item = np.minimum(1 + rng.poisson(mean_extra, size=n_items), n_workers)
    item_idx = np.repeat(np.arange(n_items), per_item)

    # Zipf-like worker popularity; the offset keeps the busiest annotator from being on most items.
    rank_weight = 1.0 / (np.arange(n_workers) + 1.0 + n_workers / 50.0) ** zipf_exponent
    popularity = rng.permutation(rank_weight)
    popularity /= popularity.sum()
    worker_idx = rng.choice(n_workers, size=item_idx.size, p=popularity)
    # Redraw the annotator of any repeated (item, worker) pair until every pair is unique.
    for _ in range(1000):
        key = item_idx * n_workers + worker_idx
        _, first = np.unique(key, return_index=True)
        dup = np.ones(key.size, dtype=bool)
        dup[first] = False
        if not dup.any():
            break
        worker_idx[dup] = rng.choice(n_workers, size=int(dup.sum()), p=popularity)
    else:  # pragma: no cover - only with absurd settings
        raise RuntimeError("could not draw unique (item, worker) pairs")

    # Draw each annotation from its annotator's confusion row for the item's true label.
    cum = np.cumsum(confusion, axis=2)[worker_idx, truth[item_idx]]
    u = rng.random(item_idx.size)[:, None]
    label_idx = np.minimum((u > cum).sum(axis=1), n_labels - 1)

    order = rng.permutation(item_idx.size)  # arrival order is not sorted by item
    return Crowd(
        item_idx=item_idx[order].astype(np.int64),
        worker_idx=worker_idx[order].astype(np.int64),
        label_idx=label_idx[order].astype(np.int64),
        truth=truth.astype(np.int64),
        kind=kinds,
        confusion=confusion,
        n_items=n_items,
        n_workers=n_workers,
        n_labels=n_labels,
    )
