"""Claim finding in the admin, for editors only: the suggestions on the article page (accept in
one click, or reject), the proposed appearances found by matching (confirm or reject, here and
on the article page) and contradiction flags on the claim page.

The panels are drawn by the `claimfinding` template tags (articles/templatetags); the POST
endpoints live on the ProposedAppearance admin, so the article and claim admins need no change.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from articles import roles
from articles.admin.common import require_editor, service_errors
from articles.models import Article, ProposedAppearance
from articles.selectors.claimfinding import proposals_for_admin
from articles.services.claimfinding import (
    match_confirm,
    match_reject,
    suggestion_accept,
    suggestion_reject,
)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(default)


def _claim_link(claim: Any) -> str:
    return format_html(
        '<a href="{}">“{}”</a>', reverse("admin:articles_claim_change", args=(claim.pk,)), claim
    )


@admin.register(ProposedAppearance)
class ProposedAppearanceAdmin(admin.ModelAdmin[ProposedAppearance]):
    """Sentences that matching found to restate a claim on file, for editors to confirm."""

    list_display = ("quote_short", "claim", "article", "similarity", "status", "created_at")
    list_filter = ("status",)
    list_select_related = ("claim", "article")
    search_fields = ("quote", "claim__text", "article__title")
    list_per_page = 50
    actions = ("confirm_selected", "reject_selected")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProposedAppearance]:
        return proposals_for_admin()

    # Editors only, whatever model permissions a group carries: the role rule is in roles.py.
    def has_module_permission(self, request: HttpRequest) -> bool:
        return roles.is_editor(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return roles.is_editor(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Sentence")
    def quote_short(self, obj: ProposedAppearance) -> str:
        return obj.quote if len(obj.quote) <= 140 else obj.quote[:139] + "…"

    def _decide(
        self, request: HttpRequest, queryset: QuerySet[ProposedAppearance], confirm: bool
    ) -> None:
        user = require_editor(request)
        done = 0
        for proposal_id in queryset.filter(status=ProposedAppearance.Status.PROPOSED).values_list(
            "id", flat=True
        ):
            with service_errors(request) as errors:
                if confirm:
                    match_confirm(user=user, proposal_id=proposal_id)
                else:
                    match_reject(user=user, proposal_id=proposal_id)
            done += not errors
        verb = "Confirmed" if confirm else "Rejected"
        messages.success(request, f"{verb} {done} proposed appearance{'s' if done != 1 else ''}.")

    @admin.action(description="Confirm: add as appearances of their claims")
    def confirm_selected(
        self, request: HttpRequest, queryset: QuerySet[ProposedAppearance]
    ) -> None:
        self._decide(request, queryset, confirm=True)

    @admin.action(description="Reject: not the same claim")
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[ProposedAppearance]) -> None:
        self._decide(request, queryset, confirm=False)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path(
                "suggestion/<int:article_id>/<str:decision>/",
                view(_suggestion_view),
                name="articles_suggestion_decide",
            ),
            path(
                "<int:proposal_id>/decide/<str:decision>/",
                view(_proposal_view),
                name="articles_proposedappearance_decide",
            ),
            *super().get_urls(),
        ]


@require_POST
def _suggestion_view(request: HttpRequest, article_id: int, decision: str) -> HttpResponse:
    """Accept (make a claim) or reject the suggested sentence `start`-`end` of an article."""
    user = require_editor(request)
    if decision not in ("accept", "reject"):
        raise PermissionDenied
    article = get_object_or_404(Article.objects.only("id"), pk=article_id)
    back = reverse("admin:articles_article_change", args=(article.pk,))
    start, end = _int(request.POST.get("start")), _int(request.POST.get("end"))
    if start is None or end is None:
        messages.error(request, "That suggestion is no longer on the page; reload it.")
        return _back(request, back)
    with service_errors(request) as errors:
        if decision == "accept":
            claim = suggestion_accept(
                user=user,
                article_id=article.pk,
                start=start,
                end=end,
                text=request.POST.get("text", ""),
                claimant=request.POST.get("claimant", ""),
                with_group=request.POST.get("with_group", "1") == "1",
            )
            n = claim.appearances.count()
            messages.success(
                request,
                format_html(
                    "Created claim {} with {} appearance{}.",
                    _claim_link(claim),
                    n,
                    "s" if n != 1 else "",
                ),
            )
        else:
            suggestion_reject(user=user, article_id=article.pk, start=start, end=end)
    if not errors and decision == "reject":
        messages.success(request, "Suggestion rejected; it will not be suggested again.")
    return _back(request, back)


@require_POST
def _proposal_view(request: HttpRequest, proposal_id: int, decision: str) -> HttpResponse:
    """Confirm or reject one proposed appearance."""
    user = require_editor(request)
    if decision not in ("confirm", "reject"):
        raise PermissionDenied
    back = reverse("admin:articles_proposedappearance_changelist")
    with service_errors(request) as errors:
        if decision == "confirm":
            appearance = match_confirm(user=user, proposal_id=proposal_id)
            messages.success(
                request,
                format_html("Added the passage to claim {}.", _claim_link(appearance.claim)),
            )
        else:
            match_reject(user=user, proposal_id=proposal_id)
    if not errors and decision == "reject":
        messages.success(request, "Proposed appearance rejected.")
    return _back(request, back)
