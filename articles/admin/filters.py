"""List filters of the desk's admin pages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest

from articles.consensus.methods import METHODS
from articles.models import Assignment, ConsensusStatus, Label
from articles.selectors.visibility import rated_by

if TYPE_CHECKING:
    from django.contrib.admin.filters import _ListFilterChoices


class ConsensusStatusFilter(admin.SimpleListFilter):
    title = "consensus"
    parameter_name = "consensus"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [*ConsensusStatus.choices, ("none", "Not computed")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value == "none":
            return queryset.filter(consensus__isnull=True)
        if value in ConsensusStatus.values:
            return queryset.filter(consensus__status=value)
        return queryset


class ConsensusLabelFilter(admin.SimpleListFilter):
    title = "consensus label"
    parameter_name = "consensus_label"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(Label.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(consensus__label=value) if value in Label.values else queryset


class MyAnnotationFilter(admin.SimpleListFilter):
    """For annotators: claims they have / have not annotated."""

    title = "my annotation"
    parameter_name = "mine"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("todo", "Not annotated yet"), ("done", "Annotated")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # An anti-join on the user's own annotations (their index), not a filter on the
        # per-row `my_label` subquery, which the count would run for every claim.
        if self.value() == "todo":
            return queryset.filter(~rated_by(request.user))
        if self.value() == "done":
            return queryset.filter(rated_by(request.user))
        return queryset


class AssignmentStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("open", "Open"), ("done", "Done"), ("closed", "Closed unrated")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "open":
            return queryset.filter(Assignment.open_q())
        if self.value() == "done":
            return queryset.filter(completed_at__isnull=False)
        if self.value() == "closed":
            return queryset.filter(completed_at__isnull=True, closed_at__isnull=False)
        return queryset


class ConsensusMethodFilter(admin.SimpleListFilter):
    """The consensus methods the desk knows (its registry), not a `DISTINCT` over every
    consensus row on each visit."""

    title = "method"
    parameter_name = "method"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(method.name, method.title) for method in METHODS.values()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(method=value) if value in METHODS else queryset


class AnnotatorSearchFilter(admin.SimpleListFilter):
    """Rows of one annotator, or of the annotators whose username contains what is typed in the
    filter's search box: a username typed in full (any case) is that annotator alone.

    With thousands of annotators a list of links (the admin's related-field filter) would load
    and render every one of them on each visit; this filter lists none, only the search in use.
    The matching annotators are looked up first (one query) and the rows filtered by their ids,
    so the planner estimates the rows from its statistics of each annotator's share.
    """

    title = "annotator"
    parameter_name = "annotator_name"
    template = "admin/articles/includes/search_filter.html"
    placeholder = "Username, or part of one"
    # Past this many matching annotators the rows are filtered by a subquery instead of ids.
    MAX_IDS = 2_000

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        value = self.term()
        return [(value, f"\u201c{value}\u201d")] if value else []

    def has_output(self) -> bool:
        return True

    def term(self) -> str:
        return str(self.value() or "").strip()

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        term = self.term()
        if not term:
            return queryset
        users = get_user_model()._default_manager.filter(username__icontains=term)
        found = list(users.values_list("pk", "username")[: self.MAX_IDS + 1])
        exact = [pk for pk, name in found if str(name).casefold() == term.casefold()]
        if exact:
            return queryset.filter(annotator_id__in=exact)
        if len(found) <= self.MAX_IDS:
            return queryset.filter(annotator_id__in=[pk for pk, _ in found])
        return queryset.filter(annotator__in=users.values("pk"))

    def choices(self, changelist: ChangeList) -> Iterator[_ListFilterChoices]:
        # The search box resubmits the list's other parameters (filters, search, sort) as
        # hidden fields, and starts again from the first page.
        self.kept_params = [
            (name, value)
            for name, values in changelist.filter_params.items()
            if name != self.parameter_name
            for value in values
        ]
        yield from super().choices(changelist)
