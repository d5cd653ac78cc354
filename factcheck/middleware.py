"""A database outage answers "try again" (503 with Retry-After), not a 500 and a traceback.

The middleware turns a lost or refused connection in a view (admin, desk pages, API; templates
rendered after the view included) into the 503 page, or a JSON body under /api/. `server_error`,
Django's 500 handler, does the same for the rare query outside a view (a middleware saving the
session), and is Django's plain 500 page for every other error. With the connection pool a
request that waits DATABASE_POOL_TIMEOUT seconds for a connection gets the same answer.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views.defaults import server_error as django_server_error

from articles.api.exceptions import is_api_request

logger = logging.getLogger(__name__)

# Seconds a client is asked to wait: PostgreSQL restarts in a few seconds, and Django reconnects
# on the next request (CONN_HEALTH_CHECKS; the pool checks a connection before lending it).
RETRY_AFTER = 10
MESSAGE = "The desk cannot reach its database right now. Try again in a moment."


def is_database_unavailable(exception: BaseException | None) -> bool:
    """A lost, refused or timed-out database connection (not a bug such as an IntegrityError)."""
    return isinstance(exception, OperationalError | InterfaceError)


def database_unavailable_response(request: HttpRequest, exception: BaseException) -> HttpResponse:
    """The 503 answer: JSON for the API, the "try again" page elsewhere. The log line names the
    failure's type, never its message (which can name the server and the user)."""
    logger.error("database unavailable for %s: %s", request.path, type(exception).__name__)
    response: HttpResponse
    if is_api_request(request):
        response = JsonResponse({"detail": MESSAGE}, status=503)
    else:
        response = HttpResponse(
            render_to_string("503.html", {"retry_after": RETRY_AFTER}), status=503
        )
    response["Retry-After"] = str(RETRY_AFTER)
    return response


class DatabaseUnavailableMiddleware:
    """Turns a lost or refused database connection in a view into the 503 answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_unavailable(exception):
            return None
        return database_unavailable_response(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 handler (`handler500`), called while the uncaught exception is handled."""
    exception = sys.exc_info()[1]
    if exception is not None and is_database_unavailable(exception):
        return database_unavailable_response(request, exception)
    if is_api_request(request):
        return JsonResponse({"detail": "Server error."}, status=500)
    return django_server_error(request)
