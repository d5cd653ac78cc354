"""List filters of the API (django-filter). Filters that need more than a field lookup call the
export selectors, so the API and the exports share one definition of each."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from articles.models import Annotation, Article, Assignment, Claim, Label, Verdict
from articles.selectors import exports

# Ids beyond a 64-bit integer are refused as invalid input (the databases cannot compare them).
MAX_ID = 2**63 - 1


def _id_filter(field_name: str | None = None, **kwargs: Any) -> django_filters.NumberFilter:
    if field_name is not None:
        kwargs["field_name"] = field_name
    return django_filters.NumberFilter(min_value=0, max_value=MAX_ID, decimal_places=0, **kwargs)


class UtcIsoDateTimeField(django_filters.fields.IsoDateTimeField):  # type: ignore[misc]
    """An ISO 8601 date-time, converted to UTC. An offset beyond what the database can store
    (PostgreSQL refuses "+21:55") or a time that leaves years 1-9999 in UTC is invalid input."""

    def to_python(self, value: Any) -> datetime | None:
        parsed: datetime | None = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)
        except (OverflowError, ValueError) as error:
            raise ValidationError(
                "Enter a date and time between the years 1 and 9999 (UTC).", code="invalid"
            ) from error


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):  # type: ignore[misc]
    """The API's date-time filters: ISO 8601, compared in UTC."""

    field_class = UtcIsoDateTimeField


STATUS_CHOICES = (("published", "Published"), ("retracted", "Retracted"))


class VerdictFilter(django_filters.FilterSet):  # type: ignore[misc]
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES, method="filter_status", help_text="published or retracted."
    )
    label = django_filters.ChoiceFilter(choices=Label.choices)
    claim = _id_filter("claim_id")
    article = _id_filter(
        method="filter_article", help_text="Claims appearing in this article (id)."
    )
    publisher = django_filters.CharFilter(
        method="filter_publisher",
        help_text="Claims appearing in an article of this publisher (case-insensitive).",
    )
    claimant = django_filters.CharFilter(
        field_name="claim__claimant", lookup_expr="icontains", help_text="Claimant contains."
    )
    published_after = UtcDateTimeFilter(field_name="published_at", lookup_expr="gte")
    published_before = UtcDateTimeFilter(field_name="published_at", lookup_expr="lt")
    updated_since = UtcDateTimeFilter(
        method="filter_updated_since",
        help_text="Verdicts published or retracted at or after this time (incremental sync).",
    )

    class Meta:
        model = Verdict
        fields: tuple[str, ...] = ()

    def filter_status(self, qs: QuerySet[Verdict], name: str, value: str) -> QuerySet[Verdict]:
        return exports.verdicts_with_status(qs, status=str(value))

    def filter_article(self, qs: QuerySet[Verdict], name: str, value: int) -> QuerySet[Verdict]:
        return exports.verdicts_in_article(qs, article_id=int(value))

    def filter_publisher(self, qs: QuerySet[Verdict], name: str, value: str) -> QuerySet[Verdict]:
        return exports.verdicts_by_publisher(qs, publisher=str(value))

    def filter_updated_since(
        self, qs: QuerySet[Verdict], name: str, value: datetime
    ) -> QuerySet[Verdict]:
        return exports.verdicts_changed_since(qs, since=value)


class ArticleFilter(django_filters.FilterSet):  # type: ignore[misc]
    publisher = django_filters.CharFilter(lookup_expr="iexact")
    language = django_filters.CharFilter()
    published_after = UtcDateTimeFilter(field_name="published_at", lookup_expr="gte")
    published_before = UtcDateTimeFilter(field_name="published_at", lookup_expr="lt")
    updated_since = UtcDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Article
        fields: tuple[str, ...] = ()


class ClaimFilter(django_filters.FilterSet):  # type: ignore[misc]
    status = django_filters.ChoiceFilter(choices=Claim.Status.choices)
    claimant = django_filters.CharFilter(lookup_expr="icontains")
    article = _id_filter("appearances__article_id", distinct=True)
    updated_since = UtcDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Claim
        fields: tuple[str, ...] = ()


class AnnotationFilter(django_filters.FilterSet):  # type: ignore[misc]
    claim = _id_filter("claim_id")
    annotator = _id_filter("annotator_id")
    label = django_filters.ChoiceFilter(choices=Label.choices)
    updated_since = UtcDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Annotation
        fields: tuple[str, ...] = ()


class AssignmentFilter(django_filters.FilterSet):  # type: ignore[misc]
    claim = _id_filter("claim_id")
    open = django_filters.BooleanFilter(
        field_name="completed_at", lookup_expr="isnull", help_text="true: not yet annotated."
    )

    class Meta:
        model = Assignment
        fields: tuple[str, ...] = ()
