"""Calibration: does "settled" keep its promise? Plain Dawid-Skene against calibrated
Dawid-Skene on generated crowds, with and without known answers.

    python benchmarks/calibration.py [--claims 20000] [--seed 0] [--threshold 0.8]

For an easy crowd (tests/consensus/simulate.py's default: annotators independent given the
truth, as the model assumes) and a hard one (`hard_crowd`: item difficulty with shared decoys,
groups of annotators copying a shared bias, many annotators with about two ratings, unbalanced
classes), each with 0% and 20% of the truth given as known answers, prints the issue's table for
both methods: accuracy, mean confidence, expected calibration error (10 bins), accuracy of
"settled" claims (confidence >= threshold) and share settled, scored on the claims whose truth
was not given. Both methods get the same known answers (Dawid-Skene fixes them in EM, as
crowd-kit's `true_labels`).

Exits 1 when the calibrated method misses a target on the hard crowd: calibration error at most
0.05 with known answers and 0.10 without, settled accuracy at least the threshold, accuracy no
lower than Dawid-Skene's minus half a point.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from articles.consensus import (  # noqa: E402
    CalibrationReport,
    calibrated_dawid_skene,
    calibration_report,
    dawid_skene,
)
from tests.consensus.simulate import Crowd, hard_crowd, simulate  # noqa: E402

GOLD_SHARES = (0.0, 0.2)
MAX_ECE = {0.0: 0.10, 0.2: 0.05}
ACCURACY_SLACK = 0.005


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threshold", type=float, default=0.8)
    return parser.parse_args()


def _row(crowd_name: str, share: float, method: str, report: CalibrationReport, took: float) -> str:
    return (
        f"| {crowd_name} | {share:.0%} | {method} | {report.accuracy:.3f} | "
        f"{report.mean_confidence:.3f} | {report.ece:.3f} | {report.settled_accuracy:.3f} | "
        f"{report.settled_share:.0%} | {took:.1f}s |"
    )


def main() -> int:
    args = _parse()
    crowds: dict[str, Crowd] = {
        "easy": simulate(
            n_items=args.claims, n_workers=120, n_annotations=4 * args.claims, seed=args.seed
        ),
        "hard": hard_crowd(n_items=args.claims, seed=args.seed),
    }
    print(
        "| crowd | gold | method | accuracy | mean confidence | calibration error (10 bins) "
        "| accuracy of settled | share settled | time |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    failed: list[str] = []
    for name, crowd in crowds.items():
        data = (crowd.item_idx, crowd.worker_idx, crowd.label_idx)
        sizes = {"n_items": crowd.n_items, "n_workers": crowd.n_workers, "n_labels": 3}
        for share in GOLD_SHARES:
            known = crowd.gold(share, seed=args.seed)
            hidden = known < 0
            t0 = time.perf_counter()
            plain = dawid_skene(*data, **sizes, known=known)
            plain_time = time.perf_counter() - t0
            t0 = time.perf_counter()
            calibrated = calibrated_dawid_skene(*data, **sizes, known=known)
            calibrated_time = time.perf_counter() - t0
            before = calibration_report(
                plain.posteriors, crowd.truth, threshold=args.threshold, items=hidden
            )
            after = calibration_report(
                calibrated.posteriors, crowd.truth, threshold=args.threshold, items=hidden
            )
            print(_row(name, share, "Dawid-Skene", before, plain_time))
            print(
                _row(
                    name,
                    share,
                    f"calibrated (T={calibrated.temperature:.2f}, {calibrated.source})",
                    after,
                    calibrated_time,
                )
            )
            if name != "hard":
                continue
            where = f"hard crowd, {share:.0%} gold"
            if after.ece > MAX_ECE[share]:
                failed.append(f"{where}: calibration error {after.ece:.3f} > {MAX_ECE[share]}")
            if not after.settled_accuracy >= args.threshold:
                failed.append(f"{where}: settled accuracy {after.settled_accuracy:.3f}")
            if after.accuracy < before.accuracy - ACCURACY_SLACK:
                failed.append(f"{where}: accuracy {after.accuracy:.3f} < {before.accuracy:.3f}")
    if failed:
        print("\nFAILED: " + "; ".join(failed))
        return 1
    print("\nOK: all targets met on the hard crowd")
    return 0


if __name__ == "__main__":
    sys.exit(main())
