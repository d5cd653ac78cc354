"""Assignment admin: editors hand claims to annotators (or remove open assignments);
annotators see their own. Every write goes through `articles.services.assignments`."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from articles import roles
from articles.admin.changelists import DeskChangeListMixin
from articles.admin.common import (
    request_user,
)
from articles.admin.filters import AnnotatorSearchFilter, AssignmentStateFilter
from articles.admin.forms import AssignmentForm
from articles.admin.paging import PageKeysPaginator
from articles.exceptions import ApplicationError
from articles.models import (
    Assignment,
)
from articles.selectors.visibility import assignments_for_user
from articles.services.assignments import assignment_create, assignment_delete

FIELDS_SHOWN = (
    "claim",
    "annotator",
    "assigned_by",
    "created_at",
    "completed_at",
    "closed_at",
    "close_reason",
)


@admin.register(Assignment)
class AssignmentAdmin(DeskChangeListMixin, admin.ModelAdmin[Assignment]):
    form = AssignmentForm
    list_select_related = ("claim", "annotator", "assigned_by")
    search_fields = ("claim__text",)
    autocomplete_fields = ("claim",)
    list_per_page = 50
    # No date hierarchy: its bar runs a DISTINCT over every row's date on each visit. Totals
    # are bounded (see EstimatingPaginator), and there is no second exact count.
    # The page's keys first, then its rows with their claim and users (a join made before the
    # LIMIT would be made for every matching row).
    paginator = PageKeysPaginator
    show_full_result_count = False
    # No "Show counts" link: facets count every filter value over the whole list on each visit.
    show_facets = admin.ShowFacets.NEVER

    def get_queryset(self, request: HttpRequest) -> QuerySet[Assignment]:
        return assignments_for_user(user=request.user)

    def get_list_display(self, request: HttpRequest) -> tuple[str, ...]:
        if roles.is_editor(request.user):
            return ("claim", "annotator", "assigned_by", "created_at", "state")
        return ("claim", "created_at", "state")

    def get_list_filter(self, request: HttpRequest) -> tuple[Any, ...]:
        if roles.is_editor(request.user):
            # A search box, not a link per annotator (thousands of them).
            return (AssignmentStateFilter, AnnotatorSearchFilter)
        return (AssignmentStateFilter,)

    @admin.display(description="State", ordering="completed_at")
    def state(self, obj: Assignment) -> str:
        if obj.completed_at:
            return mark_safe('<span class="fc-status fc-status-settled">done</span>')
        if obj.closed_at:
            return format_html(
                '<span class="fc-status fc-status-pending" title="{}">closed</span>',
                obj.close_reason,
            )
        return mark_safe('<span class="fc-status fc-status-open">open</span>')

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return roles.is_editor(request.user) and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Assignment | None = None) -> bool:
        return roles.is_editor(request.user) and super().has_delete_permission(request, obj)

    def get_readonly_fields(
        self, request: HttpRequest, obj: Assignment | None = None
    ) -> tuple[str, ...]:
        if obj is None:
            return ()
        return FIELDS_SHOWN

    def get_fields(self, request: HttpRequest, obj: Assignment | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("claim", "annotator")
        return FIELDS_SHOWN

    def save_model(self, request: HttpRequest, obj: Assignment, form: Any, change: bool) -> None:
        created = assignment_create(
            user=request_user(request), claim_id=obj.claim_id, annotator_id=obj.annotator_id
        )
        obj.pk = created.pk

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            return super().add_view(request, form_url, extra_context)
        except ApplicationError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(request.get_full_path())

    def delete_model(self, request: HttpRequest, obj: Assignment) -> None:
        assignment_delete(user=request_user(request), assignment_id=obj.pk)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Assignment]) -> None:
        user = request_user(request)
        for pk in queryset.filter(Assignment.open_q()).values_list("pk", flat=True):
            assignment_delete(user=user, assignment_id=pk)
