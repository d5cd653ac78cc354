"""One DRF exception handler that maps domain errors and Django's ValidationError to HTTP 400."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
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
    return drf_exception_handler(exc, context)
