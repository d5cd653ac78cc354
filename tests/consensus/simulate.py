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

Hard crowds (:func:`hard_crowd`) break Dawid-Skene's assumptions the way real crowds do:

* item difficulty: item ``i`` has a difficulty ``d_i`` (Beta-distributed, mostly easy, a few
  very hard); with probability ``d_i`` an annotator is confused on it, answering the item's
  decoy (one plausible wrong label per item, the same for everyone) with probability
  ``decoy_share``, else a uniformly random label. Errors on hard items are therefore
  correlated across annotators, which no per-annotator confusion matrix can express;
* correlated annotators: ``n_groups`` groups of ``group_size`` annotators who share one biased
  confusion matrix and copy the group's answer on an item with probability ``copy_rate``
  (annotators who copy each other or share a bias);
* many annotators with very few ratings: ``sparse_share`` of the annotations go to extra
  annotators who rate about ``sparse_ratings`` items each;
* unbalanced classes: ``class_prior``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

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
    difficulty: npt.NDArray[np.float64] | None = None  # (n_items,) chance of confusion
    group: npt.NDArray[np.int64] | None = None  # (n_workers,) copying group, -1 for none

    def frame(self) -> pd.DataFrame:
        """The annotations as the DataFrame crowd-kit reads (task, worker, label)."""
        import pandas as pd

        return pd.DataFrame(
            {"task": self.item_idx, "worker": self.worker_idx, "label": self.label_idx}
        )

    def gold(self, share: float, *, seed: int = 0) -> npt.NDArray[np.int64]:
        """Known answers for a random ``share`` of the items: ``(n_items,)`` with the true label
        on those and -1 elsewhere."""
        rng = np.random.default_rng(seed)
        known = np.full(self.n_items, -1, dtype=np.int64)
        chosen = rng.permutation(self.n_items)[: round(share * self.n_items)]
        known[chosen] = self.truth[chosen]
        return known


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


def _draw(rng: np.random.Generator, rows: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """One label per row of probabilities ``(n, L)``."""
    cum = np.cumsum(rows, axis=1)
    u = rng.random(rows.shape[0])[:, None]
    return np.minimum((u > cum).sum(axis=1), rows.shape[1] - 1).astype(np.int64)


def _confused(
    rng: np.random.Generator,
    labels: npt.NDArray[np.int64],
    items: npt.NDArray[np.int64],
    difficulty: npt.NDArray[np.float64],
    decoy: npt.NDArray[np.int64],
    decoy_share: float,
    n_labels: int,
) -> npt.NDArray[np.int64]:
    """``labels`` (given on ``items``) after item difficulty: with probability ``d_i`` the
    answer is the item's decoy (share ``decoy_share``) or a uniformly random label."""
    confused = rng.random(labels.size) < difficulty[items]
    to_decoy = rng.random(labels.size) < decoy_share
    guess = rng.integers(0, n_labels, size=labels.size)
    return np.where(confused, np.where(to_decoy, decoy[items], guess), labels).astype(np.int64)


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
    difficulty: float = 0.0,
    decoy_share: float = 0.5,
    n_groups: int = 0,
    group_size: int = 4,
    copy_rate: float = 0.0,
    sparse_share: float = 0.0,
    sparse_ratings: float = 2.0,
) -> Crowd:
    """Generate a crowd dataset.

    ``n_annotations`` defaults to 5 per item; each item gets at least one annotation and never
    two from the same annotator. ``class_prior`` defaults to a geometric-decreasing prior;
    ``mix`` maps kinds to shares of annotators (default ``DEFAULT_MIX``).

    The rest break the model's assumptions (all off by default, see the module docstring):
    ``difficulty`` is the mean item difficulty (0 to 1), ``decoy_share`` the share of confused
    answers that go to the item's decoy; ``n_groups`` groups of ``group_size`` annotators copy
    their group's answer with probability ``copy_rate``; ``sparse_share`` of the annotations
    go to extra annotators (beyond ``n_workers``) with about ``sparse_ratings`` ratings each.
    """
    rng = np.random.default_rng(seed)
    n_annotations = 5 * n_items if n_annotations is None else n_annotations
    prior = 0.7 ** np.arange(n_labels) if class_prior is None else np.asarray(class_prior, float)
    truth = rng.choice(n_labels, size=n_items, p=prior / prior.sum())

    n_sparse = round(sparse_share * n_annotations / sparse_ratings) if sparse_share > 0 else 0
    n_regular = n_workers
    n_workers = n_regular + n_sparse
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
    rank_weight = 1.0 / (np.arange(n_regular) + 1.0 + n_regular / 50.0) ** zipf_exponent
    popularity = rng.permutation(rank_weight)
    popularity /= popularity.sum()
    if n_sparse:
        popularity = np.concatenate(
            [(1.0 - sparse_share) * popularity, np.full(n_sparse, sparse_share / n_sparse)]
        )
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
    label_idx = _draw(rng, confusion[worker_idx, truth[item_idx]])

    hardness = np.zeros(n_items)
    decoy = truth
    if difficulty > 0:
        # Beta(0.5, b) with mean `difficulty`: most items easy, a few very hard.
        hardness = rng.beta(0.5, 0.5 * (1.0 - difficulty) / difficulty, size=n_items)
        decoy = (truth + 1 + rng.integers(0, n_labels - 1, size=n_items)) % n_labels
        label_idx = _confused(rng, label_idx, item_idx, hardness, decoy, decoy_share, n_labels)

    group = np.full(n_workers, -1, dtype=np.int64)
    if n_groups and copy_rate > 0:
        members = rng.permutation(n_regular)[: n_groups * group_size]
        group[members] = np.arange(members.size) // group_size
        # Each group shares one biased confusion matrix and, per item, one answer drawn from it.
        group_conf = _confusions(rng, np.full(n_groups, KINDS.index("biased")), n_labels)
        grouped = np.flatnonzero(group[worker_idx] >= 0)
        pair = item_idx[grouped] * n_groups + group[worker_idx[grouped]]
        pairs, where = np.unique(pair, return_inverse=True)
        pair_item, pair_group = np.divmod(pairs, n_groups)
        shared = _draw(rng, group_conf[pair_group, truth[pair_item]])
        shared = _confused(rng, shared, pair_item, hardness, decoy, decoy_share, n_labels)
        copies = rng.random(grouped.size) < copy_rate
        label_idx[grouped[copies]] = shared[where.reshape(-1)[copies]]

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
        difficulty=hardness,
        group=group,
    )


HARD_CROWD: dict[str, Any] = {
    "n_workers": 120,
    "class_prior": [0.65, 0.25, 0.10],
    "difficulty": 0.2,
    "decoy_share": 0.7,
    "n_groups": 8,
    "group_size": 5,
    "copy_rate": 0.6,
    "sparse_share": 0.3,
    "sparse_ratings": 2.0,
}
"""The assumptions-breaking settings of :func:`hard_crowd`."""


def hard_crowd(*, n_items: int = 20_000, seed: int = 0, **overrides: Any) -> Crowd:
    """A crowd built to break Dawid-Skene: item difficulty with shared decoys, groups of
    annotators copying a shared bias, many annotators with about two ratings, unbalanced
    classes (:data:`HARD_CROWD`, any of which ``overrides`` replaces)."""
    options = {**HARD_CROWD, "n_annotations": 4 * n_items, **overrides}
    return simulate(n_items=n_items, seed=seed, **options)
