"""Webhooks in the admin (editors): endpoints with their events and secret, and the delivery
log with a "redeliver" action. Writes go through `articles.services.webhooks`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from articles import roles
from articles.admin.common import request_user, service_errors
from articles.models import Webhook, WebhookDelivery, WebhookEvent
from articles.services import webhooks as webhook_services


class _EditorsOnly:
    def has_module_permission(self, request: HttpRequest) -> bool:
        return roles.is_editor(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return roles.is_editor(request.user)


class WebhookForm(forms.ModelForm[Webhook]):
    url = forms.URLField(
        label="URL",
        max_length=2000,
        assume_scheme="https",
        # The admin's width for addresses (a bare input shows the first 25 characters or so).
        widget=forms.URLInput(attrs={"class": "vURLField"}),
    )
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Webhook
        fields = ("name", "url", "secret", "events", "is_active")


@admin.register(Webhook)
class WebhookAdmin(_EditorsOnly, admin.ModelAdmin[Webhook]):
    form = WebhookForm
    list_display = ("name", "url", "events", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "url")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return roles.is_editor(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return roles.is_editor(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return roles.is_editor(request.user)

    def save_model(
        self, request: HttpRequest, obj: Webhook, form: forms.Form, change: bool
    ) -> None:
        fields = list(form.changed_data) if change else None
        webhook_services.webhook_save(user=request_user(request), webhook=obj, fields=fields)

    def delete_model(self, request: HttpRequest, obj: Webhook) -> None:
        webhook_services.webhook_delete(user=request_user(request), webhook_id=obj.pk)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Webhook]) -> None:
        for webhook_id in queryset.values_list("id", flat=True):
            webhook_services.webhook_delete(user=request_user(request), webhook_id=webhook_id)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(_EditorsOnly, admin.ModelAdmin[WebhookDelivery]):
    list_display = (
        "id",
        "webhook",
        "event",
        "status",
        "attempts",
        "response_code",
        "created_at",
        "last_attempt_at",
        "delivered_at",
    )
    list_filter = ("status", "event", "webhook")
    list_select_related = ("webhook",)
    readonly_fields = (
        "webhook",
        "event",
        "payload",
        "status",
        "attempts",
        "response_code",
        "last_error",
        "created_at",
        "first_attempt_at",
        "last_attempt_at",
        "delivered_at",
    )
    actions = ("redeliver",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Redeliver the selected deliveries")
    def redeliver(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        with service_errors(request) as errors:
            count = webhook_services.webhook_redeliver(
                user=request_user(request), delivery_ids=queryset.values_list("id", flat=True)
            )
        if not errors:
            messages.success(request, f"{count} delivery(ies) queued again.")
