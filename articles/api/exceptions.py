"""One DRF exception handler: domain errors and Django's ValidationError become 400 with
field-level messages, a missing row 404, the desk's PermissionDenied 403; every error body is a
JSON object (`{"detail": ...}` or `{field: [messages]}`)."""

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import bad_request, page_not_found
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from articles.exceptions import ApplicationError
from articles.exceptions import PermissionDenied as DeskPermissionDenied


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        detail: Any = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        exc = drf_exceptions.ValidationError(detail=detail)
    elif isinstance(exc, DeskPermissionDenied):
        exc = drf_exceptions.PermissionDenied(detail=exc.message)
    elif isinstance(exc, ApplicationError):
        detail = {"detail": exc.message, **{k: str(v) for k, v in exc.extra.items()}}
        exc = drf_exceptions.ValidationError(detail=detail)
    elif isinstance(exc, ObjectDoesNotExist):
        exc = drf_exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, list):
        # A message not tied to a field: keep the body an object, like every other error.
        response.data = {"non_field_errors": response.data}
    return response


def is_api_request(request: HttpRequest) -> bool:
    """Whether an error page for this request is answered as JSON (the API's URLs)."""
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 404 handler: JSON for /api/ URLs that match no route, the usual page elsewhere."""
    if is_api_request(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception or Http404())


def bad_request_page(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 400 handler (a request refused before any view, e.g. too many uploaded files):
    JSON with the reason for /api/ URLs, the usual page elsewhere."""
    if is_api_request(request):
        reason = str(exception) if exception is not None else "Bad request."
        return JsonResponse({"detail": reason or "Bad request."}, status=400)
    return bad_request(request, exception or SuspiciousOperation())
