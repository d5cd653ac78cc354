"""`manage.py aggregate --method majority` on a large CSV against a process that only reads the
same file with pyarrow.

    python benchmarks/aggregate_csv.py [--rows 5000000] [--repeat 3] [--order claim|time]
        [--manage PATH]

Writes a generated annotation CSV (claim_id,annotator_id,label; --rows rows over rows/5 claims
and 2,000 annotators, labels in mixed case as exports have them; --order claim lists each
claim's five ratings together, as an export sorted by claim does, --order time spreads them
over the file, as ratings arrive) into a temporary directory,
then runs, interleaved, --repeat times each, as separate processes:
  * baseline: `python -c "pyarrow.csv.read_csv(FILE)"` (Python and pyarrow start-up included);
  * ours: `python manage.py aggregate FILE --method majority --out OUT` (Django start-up
    included).
Prints each side's median wall time, CPU time and peak resident memory (from the kernel's
accounting of each finished child), the ratios, and exits 1 when the wall-time ratio exceeds 5x
or our peak memory reaches 600 MB in any run. On a loaded machine the CPU-time ratio is the
steadier figure (a waiting process accrues wall time, not CPU time). --manage runs another
checkout's manage.py (for a before/after comparison on the same file).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 5.0
TARGET_RSS_MB = 600.0
LABELS = ("verified", "Verified", "disputed", "false", "FALSE")


def _generate(path: Path, n_rows: int, seed: int = 11, *, order: str = "claim") -> None:
    """Write the CSV in blocks with pyarrow, so generating does not need the whole file in
    memory either. `order`: "claim" lists each claim's ratings together (an export sorted by
    claim); "time" spreads them over the file (ratings as they arrived)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(seed)
    n_claims = max(1, n_rows // 5)
    block = 1_000_000
    schema = pa.schema(
        [("claim_id", pa.string()), ("annotator_id", pa.string()), ("label", pa.string())]
    )
    options = pacsv.WriteOptions(quoting_style="none")
    # Which of the claim-ordered rows each row is: its own draws, so that the claim-ordered
    # file is the same whichever order is asked for.
    rows = np.random.default_rng(seed + 1).permutation(n_rows) if order == "time" else None
    with pacsv.CSVWriter(str(path), schema, write_options=options) as writer:
        for start in range(0, n_rows, block):
            size = min(block, n_rows - start)
            positions = np.arange(start, start + size) if rows is None else rows[start:][:size]
            claims = (positions // 5) % n_claims
            annotators = rng.integers(0, 2000, size=size)
            labels = rng.integers(0, len(LABELS), size=size)
            claim_text = pc.binary_join_element_wise("c", pa.array(claims).cast(pa.string()), "")
            annotator_text = pc.binary_join_element_wise(
                "a", pa.array(annotators).cast(pa.string()), ""
            )
            label_text = pa.array(list(LABELS)).take(pa.array(labels))
            writer.write_table(
                pa.Table.from_arrays([claim_text, annotator_text, label_text], schema=schema)
            )


def _run(argv: list[str], *, cwd: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak resident MB of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(  # noqa: S603 - our own argv
        argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{argv[1:3]} failed ({proc.returncode}):\n{stderr[-2000:]}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024  # Linux: KiB


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="Runs of each side (median).")
    parser.add_argument("--manage", type=Path, default=ROOT / "manage.py")
    parser.add_argument(
        "--order",
        choices=("claim", "time"),
        default="claim",
        help="claim: each claim's ratings together; time: spread over the file.",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="aggregate-bench-") as tmp:
        source = Path(tmp) / "annotations.csv"
        out = Path(tmp) / "consensus.csv"
        t0 = time.perf_counter()
        _generate(source, args.rows, order=args.order)
        print(
            f"generated {args.rows:,} rows in {args.order} order "
            f"({source.stat().st_size / 1e6:.0f} MB) in "
            f"{time.perf_counter() - t0:.1f} s"
        )
        baseline_argv = [
            sys.executable,
            "-c",
            f"import pyarrow.csv as c; c.read_csv({str(source)!r})",
        ]
        ours_argv = [
            sys.executable,
            str(args.manage),
            "aggregate",
            str(source),
            "--method",
            "majority",
            "--out",
            str(out),
        ]
        base: list[tuple[float, float, float]] = []
        ours: list[tuple[float, float, float]] = []
        for _ in range(args.repeat):
            base.append(_run(baseline_argv, cwd=args.manage.parent))
            ours.append(_run(ours_argv, cwd=args.manage.parent))

        def median(runs: list[tuple[float, float, float]], field: int) -> float:
            return float(statistics.median(run[field] for run in runs))

        each = f"median of {args.repeat}"
        for name, runs in (
            ("baseline  pyarrow read_csv:           ", base),
            ("ours      aggregate --method majority:", ours),
        ):
            print(
                f"{name} wall {median(runs, 0):6.2f} s  CPU {median(runs, 1):6.2f} s  "
                f"peak RSS {median(runs, 2):5.0f} MB  ({each})"
            )
        ratio = median(ours, 0) / median(base, 0)
        ours_peak = max(run[2] for run in ours)
        print(f"ratio ours / baseline, wall: {ratio:.2f}x (target <= {TARGET_RATIO:.0f}x)")
        print(f"ratio ours / baseline, CPU:  {median(ours, 1) / median(base, 1):.2f}x")
        print(f"our peak memory, largest of {args.repeat} runs: {ours_peak:.0f} MB "
              f"(target < {TARGET_RSS_MB:.0f} MB)")  # fmt: skip
        return 0 if ratio <= TARGET_RATIO and ours_peak < TARGET_RSS_MB else 1


if __name__ == "__main__":
    sys.exit(main())
