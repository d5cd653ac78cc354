"""List filters of the desk's admin pages."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from articles.models import Assignment, ConsensusStatus, Label
from articles.selectors.visibility import rated_by


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
