"""API tokens in the admin: editors issue and revoke tokens for anyone, other staff users for
themselves. The key is shown once, right after it is issued; only its digest is stored."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from articles import roles
from articles.admin.common import request_user, service_errors
from articles.models import ApiToken
from articles.presentation import counted
from articles.services import tokens as token_services


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    list_select_related = ("user",)
    search_fields = ("name", "user__username", "prefix")
    readonly_fields = ("prefix", "created_at", "last_used_at", "revoked_at")
    actions = ("revoke",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiToken]:
        qs = super().get_queryset(request)
        if roles.is_editor(request.user):
            return qs
        return qs.filter(user_id=request_user(request).pk)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the row records who had access until when

    def get_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> Any:
        if obj is not None:
            return ["user", "name", *self.readonly_fields]
        return ["user", "name"] if roles.is_editor(request.user) else ["name"]

    def get_readonly_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> Any:
        if obj is not None:
            return ["user", "name", *self.readonly_fields]
        return ()

    def save_model(
        self, request: HttpRequest, obj: ApiToken, form: forms.Form, change: bool
    ) -> None:
        user = obj.user if roles.is_editor(request.user) and obj.user_id else request_user(request)
        issued = token_services.api_token_issue(user=user, name=obj.name)
        obj.pk = issued.token.pk
        obj.user_id = issued.token.user_id
        obj.prefix = issued.token.prefix
        obj.key_hash = issued.token.key_hash
        obj.created_at = issued.token.created_at
        messages.warning(
            request,
            f"The key of token “{obj.name}” is {issued.key} — copy it now: it is not shown again.",
        )

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        actor = request_user(request)
        done = 0
        for token_id in queryset.values_list("id", flat=True):
            with service_errors(request) as errors:
                token_services.api_token_revoke(actor=actor, token_id=token_id)
            done += not errors
        messages.success(request, f"{counted(done, 'token')} revoked.")
