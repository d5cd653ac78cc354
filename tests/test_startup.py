"""The server entry points: start-up objects frozen out of the garbage collector's full passes."""

import gc
import importlib

import pytest


@pytest.mark.parametrize("module", ["factcheck.wsgi", "factcheck.asgi"])
def test_entry_point_freezes_what_start_up_loaded(module):
    gc.unfreeze()
    try:
        importlib.reload(importlib.import_module(module))
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
