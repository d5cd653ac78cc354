"""Helpers shared by the desk's ModelAdmins: the acting user, role checks that raise 403, history
restricted to editors, and showing service errors as admin messages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib import messages
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from simple_history.admin import SimpleHistoryAdmin

from articles import roles
from articles.exceptions import ApplicationError
from articles.models import ConsensusStatus, Label
from articles.presentation import counted


def request_user(request: HttpRequest) -> AbstractBaseUser:
    """The authenticated user of an admin request (admin_view guarantees one)."""
    user = request.user
    if not isinstance(user, AbstractBaseUser) or not user.is_authenticated:
        raise PermissionDenied
    return user


def require_editor(request: HttpRequest) -> AbstractBaseUser:
    user = request_user(request)
    if not roles.is_editor(user):
        raise PermissionDenied
    return user


def require_annotator(request: HttpRequest) -> AbstractBaseUser:
    user = request_user(request)
    if not roles.is_annotator(user):
        raise PermissionDenied
    return user


def log_desk_action(request: HttpRequest, obj: Model, message: str, *, added: bool = False) -> None:
    """Record an editor's desk action (a claim created, assigned, published, sent back, an
    import) in the admin log, so it shows in "Recent actions" and the object's history."""
    LogEntry.objects.log_actions(
        user_id=request_user(request).pk,
        queryset=[obj],
        action_flag=ADDITION if added else CHANGE,
        change_message=message,
        single_object=True,
    )


def error_messages(error: Exception) -> list[str]:
    """Human-readable messages of a service error."""
    if isinstance(error, ApplicationError):
        return [error.message]
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            return [m for msgs in error.message_dict.values() for m in msgs]
        return list(error.messages)
    return [str(error)]


@contextmanager
def service_errors(request: HttpRequest) -> Iterator[list[str]]:
    """Run a service call; on ApplicationError/ValidationError, add its messages as admin error
    messages instead of raising. The yielded list holds the messages (empty on success)."""
    errors: list[str] = []
    try:
        yield errors
    except (ApplicationError, ValidationError) as error:
        errors.extend(error_messages(error))
        for message in errors:
            messages.error(request, message)


@contextmanager
def form_errors(form: Any) -> Iterator[list[str]]:
    """Run a service call for a form; on ApplicationError/ValidationError, put each message on
    the form once, at its field when the form has that field (else above the form), instead of
    raising. The yielded list holds the messages (empty on success)."""
    errors: list[str] = []
    try:
        yield errors
    except (ApplicationError, ValidationError) as error:
        if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            for field, messages_ in error.message_dict.items():
                target = field if field in form.fields else None
                for message in messages_:
                    form.add_error(target, message)
                    errors.append(message)
        else:
            for message in error_messages(error):
                form.add_error(None, message)
                errors.append(message)


def label_badge(label: str, text: str | None = None) -> str:
    """A coloured pill for a verdict label (blank for no label)."""
    if not label:
        return mark_safe('<span class="fc-muted">—</span>')
    known = label in Label.values
    return format_html(
        '<span class="fc-badge fc-label-{}">{}</span>',
        label if known else "unknown",
        text or (Label(label).label if known else label),
    )


def ratings_caption(n_annotations: int | None, required: int) -> str:
    """ "2 of 3 ratings" (English plurals)."""
    return f"{int(n_annotations or 0)} of {counted(required, 'rating')}"


def consensus_html(*, status: str, label: str, n_annotations: int | None, required: int) -> str:
    """A consensus, labelled as consensus: "pending (2 of 3 ratings)" while too few ratings
    are in (no label shown: a pending consensus is no decision), otherwise its status and label.
    Blank ("—") when there is none or the viewer may not see it."""
    if not status:
        return mark_safe('<span class="fc-muted">—</span>')
    if status == ConsensusStatus.PENDING:
        return format_html(
            '<span class="fc-status fc-status-pending">pending</span> '
            '<span class="fc-muted">({})</span>',
            ratings_caption(n_annotations, required),
        )
    return format_html(
        '<span class="fc-status fc-status-{}">{}</span> {}',
        status,
        ConsensusStatus(status).label.lower(),
        label_badge(label) if label else "",
    )


def verdict_html(label: str) -> str:
    """A published verdict, labelled as the verdict ("—" when none is published)."""
    if not label:
        return mark_safe('<span class="fc-muted">—</span>')
    return format_html('<span class="fc-verdict-tag">verdict</span> {}', label_badge(label))


class EditorHistoryAdmin(SimpleHistoryAdmin):  # type: ignore[misc]
    """simple_history's admin with its `history/` pages restricted to editors, read-only: no
    reverting from history (every write goes through a service)."""

    def has_view_history_or_change_history_permission(
        self, request: HttpRequest, obj: Model | None = None
    ) -> bool:
        return roles.is_editor(request.user) and bool(self.has_view_permission(request, obj))

    def has_view_history_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_view_history_or_change_history_permission(request, obj)

    def has_change_history_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not roles.is_editor(request.user):
            raise PermissionDenied
        response: HttpResponse = super().history_view(request, object_id, extra_context)
        return response

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if not roles.is_editor(request.user) or request.method != "GET":
            raise PermissionDenied
        response: HttpResponse = super().history_form_view(
            request, object_id, version_id, extra_context
        )
        return response
