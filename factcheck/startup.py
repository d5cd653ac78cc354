"""What the server entry points (`factcheck.wsgi`, `factcheck.asgi`) do once the application is
built."""

import gc

from django.urls import get_resolver


def load_and_freeze() -> None:
    """Load what the first request would (the URLconf and with it the admin, which is not
    registered at start-up: see `factcheck.apps.discover_admin`), then freeze everything loaded
    so far out of the garbage collector's full passes.

    What start-up loaded (Django, the apps, numpy, scikit-learn: about 200k objects) lives as
    long as the process; a full pass would otherwise walk all of it (0.1-0.25 s a pass on a busy
    2-core machine) inside whichever request sets one off."""
    get_resolver().url_patterns  # noqa: B018 - evaluated for its import of the URLconf
    gc.freeze()
