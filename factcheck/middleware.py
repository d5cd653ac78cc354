"""A database outage answers "try again" (503 with Retry-After), not a 500 and a traceback."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

# Seconds a client is asked to wait: PostgreSQL restarts in a few seconds, and Django reconnects
# on the next request (CONN_HEALTH_CHECKS).
RETRY_AFTER = 10


class DatabaseUnavailableMiddleware:
    """Turns a lost or refused database connection in a view into the 503 page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        # The message names the failure, never the connection settings.
        logger.error("database unavailable for %s: %s", request.path, type(exception).__name__)
        response = HttpResponse(
            render_to_string("503.html", {"retry_after": RETRY_AFTER}), status=503
        )
        response["Retry-After"] = str(RETRY_AFTER)
        return response
