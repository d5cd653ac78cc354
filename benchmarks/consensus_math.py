"""Consensus math: our Dawid-Skene against crowd-kit's on the same generated data, same run.

    python benchmarks/consensus_math.py [--annotations 1250000] [--claims 250000]
        [--annotators 2500] [--labels 3] [--seed 0] [--repeat 3]

Generates a crowd (tests/consensus/simulate.py: reliable, noisy, biased, adversarial and
spamming annotators with a Zipf-like workload) as the pandas DataFrame crowd-kit reads, then
times, interleaved (ours, theirs, ours, theirs ...), --repeat runs of each:

  * ours: encoding that same DataFrame into our arrays (dense task, worker and label codes)
    plus `articles.consensus.dawid_skene`;
  * baseline: `crowdkit.aggregation.DawidSkene(...).fit(frame)` (same tol and max_iter);

and reports the median of each side's runs, the speed-up (ratio of the medians), the share of
claims where both give the same label, the largest posterior difference, and the accuracy
against the generated truth of majority vote, weighted vote and Dawid-Skene. Exits 1 when the
speed-up is under 30x or label agreement is under 99.9%.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from articles.consensus import (  # noqa: E402
    DawidSkeneResult,
    dawid_skene,
    id_codes,
    majority_vote,
    weighted_vote,
)
from tests.consensus.simulate import simulate  # noqa: E402

TARGET_SPEEDUP = 30.0
TARGET_AGREEMENT = 0.999
TOL = 1e-5
MAX_ITER = 100


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--annotations", type=int, default=1_250_000)
    parser.add_argument("--claims", type=int, default=250_000)
    parser.add_argument("--annotators", type=int, default=2_500)
    parser.add_argument("--labels", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--repeat", type=int, default=3, help="Runs of each side, interleaved (median reported)."
    )
    return parser.parse_args()


def _accuracy(labels: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean(labels == truth))


def main() -> int:
    args = _parse()
    started = time.perf_counter()
    crowd = simulate(
        n_items=args.claims,
        n_workers=args.annotators,
        n_labels=args.labels,
        n_annotations=args.annotations,
        seed=args.seed,
    )
    items, workers, labels = crowd.item_idx, crowd.worker_idx, crowd.label_idx
    n_items, n_workers, n_labels = crowd.n_items, crowd.n_workers, crowd.n_labels
    print(
        f"data: {items.size:,} annotations, {n_items:,} claims, {n_workers:,} annotators, "
        f"{n_labels} labels (generated in {time.perf_counter() - started:.1f}s, seed {args.seed})"
    )

    from crowdkit.aggregation import DawidSkene

    frame = crowd.frame()

    def run_ours() -> tuple[DawidSkeneResult, np.ndarray]:
        # From the same DataFrame crowd-kit gets: ids to dense codes, then the math.
        task_ids, item_codes = id_codes(frame["task"].to_numpy(dtype=np.int64))
        _, worker_codes = id_codes(frame["worker"].to_numpy(dtype=np.int64))
        label_values, label_codes = id_codes(frame["label"].to_numpy(dtype=np.int64))
        result = dawid_skene(
            item_codes,
            worker_codes,
            label_codes,
            n_items=int(task_ids.size),
            n_workers=int(worker_codes.max()) + 1,
            n_labels=int(label_values.size),
            tol=TOL,
            max_iter=MAX_ITER,
        )
        return result, task_ids

    def run_theirs() -> DawidSkene:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return DawidSkene(n_iter=MAX_ITER, tol=TOL).fit(frame)

    repeat = max(args.repeat, 1)
    ours_times: list[float] = []
    theirs_times: list[float] = []
    for _ in range(repeat):  # interleaved: both sides see the same stretches of machine time
        t0 = time.perf_counter()
        ours, task_ids = run_ours()
        ours_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        theirs = run_theirs()
        theirs_times.append(time.perf_counter() - t0)
    if task_ids.size != n_items or not np.array_equal(task_ids, np.arange(n_items)):
        raise RuntimeError("every generated claim should have annotations")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    ours_time = float(np.median(ours_times))
    theirs_time = float(np.median(theirs_times))
    print(
        f"ours      encode + dawid_skene: {ours_time:8.2f}s  median of {repeat} ("
        + ", ".join(f"{t:.2f}" for t in ours_times)
        + f"; {ours.n_iter} iterations, converged={ours.converged})"
    )
    print(
        f"crowd-kit DawidSkene.fit:       {theirs_time:8.2f}s  median of {repeat} ("
        + ", ".join(f"{t:.2f}" for t in theirs_times)
        + f"; {len(theirs.loss_history_)} iterations)"
    )

    if theirs.labels_ is None or theirs.probas_ is None:
        raise RuntimeError("crowd-kit returned no result")
    reference = theirs.labels_.sort_index().to_numpy().astype(np.int64)
    reference_probs = (
        theirs.probas_.reindex(columns=range(n_labels), fill_value=0.0).sort_index().to_numpy()
    )
    # Strict: one of our ties (label -1) counts as a disagreement.
    agreement = float(np.mean(ours.posteriors.labels == reference))
    max_diff = float(np.max(np.abs(ours.posteriors.probs - reference_probs)))
    speedup = theirs_time / ours_time  # ratio of the medians

    t0 = time.perf_counter()
    majority = majority_vote(items, workers, labels, n_items=n_items, n_labels=n_labels)
    majority_time = time.perf_counter() - t0
    t0 = time.perf_counter()
    weighted = weighted_vote(
        items, workers, labels, n_items=n_items, n_labels=n_labels, n_workers=n_workers
    )
    weighted_time = time.perf_counter() - t0
    tie_broken = majority.probs + np.random.default_rng(1).random(majority.probs.shape) * 1e-9

    truth = crowd.truth
    print()
    print(f"speed-up:            {speedup:8.1f}x   (medians; target >= {TARGET_SPEEDUP:.0f}x)")
    print(f"load average:        {load}   (1, 5, 15 min, after the timed runs)")
    print(f"label agreement:     {agreement:8.4%}   (target >= {TARGET_AGREEMENT:.1%})")
    print(f"max |posterior diff|: {max_diff:.2e}")
    print()
    print("accuracy vs generated truth:")
    print(
        f"  majority vote      {_accuracy(majority.labels, truth):.4f}  "
        f"(ties unresolved: {int(majority.tie.sum()):,}; "
        f"ties broken at random: {_accuracy(tie_broken.argmax(axis=1), truth):.4f}; "
        f"{majority_time:.2f}s)"
    )
    print(
        f"  weighted vote      {_accuracy(weighted.posteriors.labels, truth):.4f}  "
        f"({weighted.n_iter} iterations, {weighted_time:.2f}s)"
    )
    print(f"  dawid-skene (ours) {_accuracy(ours.posteriors.labels, truth):.4f}")
    print(f"  dawid-skene (c-k)  {_accuracy(reference, truth):.4f}")

    failed = []
    if speedup < TARGET_SPEEDUP:
        failed.append(f"speed-up {speedup:.1f}x < {TARGET_SPEEDUP:.0f}x")
    if agreement < TARGET_AGREEMENT:
        failed.append(f"label agreement {agreement:.4%} < {TARGET_AGREEMENT:.1%}")
    if failed:
        print("\nFAILED: " + "; ".join(failed))
        return 1
    print("\nOK: all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
