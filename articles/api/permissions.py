"""Who may call which endpoint, by role (`articles.roles`); rules about single objects (whose
annotation, which claim is assigned) are the services' and selectors' business."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from articles import roles


def _is_member(user: Any) -> bool:
    return roles.is_editor(user) or roles.is_annotator(user) or roles.is_viewer(user)


class IsDeskMember(BasePermission):
    """Any desk role (editor, annotator, viewer) may read; only editors may write."""

    message = "Only members of the desk (editors, annotators, viewers) can use this endpoint."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS:
            return _is_member(request.user)
        return roles.is_editor(request.user)


class IsEditor(BasePermission):
    message = "Only editors can use this endpoint."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return roles.is_editor(request.user)


class IsEditorOrAnnotator(BasePermission):
    """Editors and annotators read; annotators write (their own annotations)."""

    message = "Only editors and annotators can read this; only annotators can write it."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS:
            return roles.is_editor(request.user) or roles.is_annotator(request.user)
        return roles.is_annotator(request.user)


class IsEditorOrAnnotatorReadOnly(BasePermission):
    message = "Only editors and annotators can read this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in SAFE_METHODS and (
            roles.is_editor(request.user) or roles.is_annotator(request.user)
        )


def verdicts_are_public() -> bool:
    return bool(settings.FACTCHECK_API_PUBLIC_VERDICTS)


class CanReadVerdicts(BasePermission):
    """Desk members read verdicts (blind annotators only those of claims they rated); anyone
    does when FACTCHECK_API_PUBLIC_VERDICTS is on."""

    message = "Sign in or send a token to read verdicts."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method not in SAFE_METHODS:
            return False
        return verdicts_are_public() or _is_member(request.user)
