"""Code run in a fresh interpreter of ours, for what a test process cannot show (which modules a
start-up or an import loads)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_fresh(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`code` in a fresh interpreter of ours, from the project's root, with `env` added."""
    return subprocess.run(  # noqa: S603 - fixed command, our own interpreter
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **env},
    )
