"""One DRF exception handler: domain errors and Django's ValidationError become 400 with
field-level messages, a missing row 404, the desk's PermissionDenied 403; every error body is a
JSON object (`{"detail": ...}` or `{field: [messages]}`)."""

from typing import Any

from django.conf import settings
from django.core.exceptions import (
    ObjectDoesNotExist,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.template.loader import render_to_string
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


def request_limit_reason(exception: Exception | None) -> str | None:
    """What to tell the sender of a request refused for one of Django's size limits (an upload
    of too many files, too much form data), else None."""
    if isinstance(exception, TooManyFilesSent):
        return (
            f"Too many files in one upload: at most {settings.DATA_UPLOAD_MAX_NUMBER_FILES}. "
            "Put more files in a zip archive, or upload them in several parts."
        )
    if isinstance(exception, TooManyFieldsSent):
        return f"Too many form fields: at most {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}."
    if isinstance(exception, RequestDataTooBig):
        size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024**2
        return f"The request's form data is too large: at most {size} MB besides the files."
    return None


def bad_request_page(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 400 handler (a request refused before any view, e.g. too many uploaded files):
    JSON with the reason for /api/ URLs; elsewhere the reason for a size limit, else the usual
    page (which names no other reason)."""
    reason = request_limit_reason(exception)
    if is_api_request(request):
        detail = reason or (str(exception) if exception is not None else "") or "Bad request."
        return JsonResponse({"detail": detail}, status=400)
    if reason is not None:
        return HttpResponseBadRequest(render_to_string("400.html", {"reason": reason}, request))
    return bad_request(request, exception or SuspiciousOperation())
