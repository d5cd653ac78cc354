#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import gc
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    finally:
        # The command is done and the interpreter is about to tear down everything it loaded
        # (Django, the apps, numpy, pyarrow). Frozen, those objects are skipped by the garbage
        # collector's passes that teardown runs: a tenth of a second off every command's exit.
        gc.freeze()


if __name__ == "__main__":
    main()
