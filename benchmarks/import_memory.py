"""Peak memory of `manage.py import_articles` on a text file of millions of short lines, against
the same bytes in long lines.

    python benchmarks/import_memory.py [--lines 2000000] [--repeat 3] [--manage PATH]

Writes two text files of the same size into a temporary directory: a headline and --lines
one-letter lines (4 MB at 2M lines, the shape that took 581-595 MB to import, issue 15), and the
baseline, the same headline and letters in lines of 2,000 characters. Then runs, interleaved,
--repeat times each, `python manage.py import_articles FILE` as a separate process on a fresh
SQLite database (the embedded default: claim finding runs in the same process after the
import). Prints each side's median peak resident memory (the kernel's accounting of each finished
child) and wall time, and the short-line file's excess over the baseline; exits 1 when the excess
reaches 100 MB in any run. --manage runs another checkout's manage.py (before/after on the same
files).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_EXCESS_MB = 100.0
HEADLINE = "Many short lines: how a scraped list page reaches the desk"


def _write(folder: Path, n_lines: int) -> tuple[Path, Path]:
    rng = random.Random(15)
    letters = "".join(rng.choice("abcdefghij") for _ in range(n_lines))
    short = folder / "short_lines.txt"
    short.write_text(HEADLINE + "\n" + "\n".join(letters) + "\n", encoding="utf-8")
    # The same size in lines of 2,000 characters (1,000 letters and their spaces).
    long_lines = [" ".join(letters[i : i + 1000]) for i in range(0, n_lines, 1000)]
    long = folder / "long_lines.txt"
    long.write_text(HEADLINE + "\n" + "\n".join(long_lines) + "\n", encoding="utf-8")
    return short, long


def _run(argv: list[str], *, cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak resident MB of one child process (which must succeed)."""
    start = time.perf_counter()
    proc = subprocess.Popen(  # noqa: S603 - our own argv
        argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    output = proc.stdout.read().decode() if proc.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0 or "1 imported" not in output:
        raise SystemExit(f"{argv[2:]} failed:\n{output[-2000:]}")
    return seconds, usage.ru_maxrss / 1024  # Linux: KiB


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--manage", type=Path, default=ROOT / "manage.py")
    args = parser.parse_args()
    manage = args.manage.resolve()

    with tempfile.TemporaryDirectory(prefix="fc-import-memory-") as tmp:
        folder = Path(tmp)
        short, long = _write(folder, args.lines)
        template = folder / "template.sqlite3"
        env = {**os.environ, "REDIS_URL": "", "DATABASE_URL": f"sqlite:///{template}"}
        subprocess.run(  # noqa: S603 - our own argv
            [sys.executable, str(manage), "migrate", "-v0"], cwd=manage.parent, env=env, check=True
        )
        print(
            f"{short.stat().st_size / 1e6:.1f} MB in {args.lines:,} lines vs "
            f"{long.stat().st_size / 1e6:.1f} MB in {args.lines // 1000:,} lines; "
            f"{args.repeat} interleaved runs each ({manage.parent.name}/manage.py)"
        )
        runs: dict[str, list[tuple[float, float]]] = {"short": [], "long": []}
        for round_ in range(args.repeat):
            for name, path in (("short", short), ("long", long)):
                database = folder / f"{name}-{round_}.sqlite3"
                shutil.copyfile(template, database)
                env["DATABASE_URL"] = f"sqlite:///{database}"
                argv = [sys.executable, str(manage), "import_articles", str(path)]
                runs[name].append(_run(argv, cwd=manage.parent, env=env))
                database.unlink()

    peak = {name: statistics.median(r[1] for r in runs[name]) for name in runs}
    wall = {name: statistics.median(r[0] for r in runs[name]) for name in runs}
    excess = [s[1] - b[1] for s, b in zip(runs["short"], runs["long"], strict=True)]
    for name, label in (("short", "short lines"), ("long", "long lines (baseline)")):
        print(f"  {label:22s} peak {peak[name]:6.0f} MB   wall {wall[name]:6.1f} s")
    print(
        f"  short over baseline: median {statistics.median(excess):+.0f} MB, "
        f"worst {max(excess):+.0f} MB (target under {TARGET_EXCESS_MB:.0f} MB)"
    )
    return 0 if max(excess) < TARGET_EXCESS_MB else 1


if __name__ == "__main__":
    sys.exit(main())
