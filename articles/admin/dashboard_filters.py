"""The claims table's filters (django-filter): each one calls a selector of
`articles.selectors.dashboards`, which applies the viewer's blindness."""

from __future__ import annotations

from datetime import date
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet

from articles import roles
from articles.models import Claim, ConsensusStatus, Label
from articles.selectors import dashboards


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"})


class ClaimTableForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", "The date range ends before it starts.")
        return data


class ClaimTableFilter(django_filters.FilterSet):  # type: ignore[misc]
    q = django_filters.CharFilter(
        label="Search", method="filter_q", widget=forms.TextInput(attrs={"type": "search"})
    )
    article = django_filters.NumberFilter(label="Article id", method="filter_article")
    publisher = django_filters.ChoiceFilter(
        label="Publisher", method="filter_publisher", empty_label="Any publisher"
    )
    annotator = django_filters.CharFilter(label="Rated by (username)", method="filter_annotator")
    since = django_filters.DateFilter(
        label="Created from", method="filter_dates", widget=_date_input()
    )
    until = django_filters.DateFilter(
        label="Created until", method="filter_dates", widget=_date_input()
    )
    status = django_filters.ChoiceFilter(
        label="Claim status",
        choices=Claim.Status.choices,
        field_name="status",
        empty_label="Any status",
    )
    consensus = django_filters.ChoiceFilter(
        label="Consensus",
        choices=[*ConsensusStatus.choices, (dashboards.NO_CONSENSUS, "No consensus")],
        method="filter_consensus",
        empty_label="Any consensus",
    )
    verdict = django_filters.ChoiceFilter(
        label="Verdict",
        choices=[*Label.choices, (dashboards.NO_CONSENSUS, "No verdict")],
        method="filter_verdict",
        empty_label="Any verdict",
    )
    agreement = django_filters.ChoiceFilter(
        label="Agreement",
        choices=[(b.key, b.label) for b in dashboards.AGREEMENT_BANDS],
        method="filter_agreement",
        empty_label="Any agreement",
    )
    sort = django_filters.ChoiceFilter(
        label="Sort by",
        choices=[(key, text) for key, (text, _) in dashboards.SORTS.items()],
        method="filter_sort",
        empty_label=None,
    )

    class Meta:
        model = Claim
        fields: tuple[str, ...] = ()
        form = ClaimTableForm

    def __init__(self, *args: Any, publishers: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["publisher"].extra["choices"] = [(p, p) for p in publishers]
        if not roles.is_editor(self.request.user):
            # Who rated which claim is for editors.
            del self.filters["annotator"]

    @property
    def qs(self) -> QuerySet[Claim]:
        qs: QuerySet[Claim] = super().qs
        sort = self.form.cleaned_data.get("sort") if self.form.is_valid() else None
        return dashboards.claims_sorted(qs, sort=sort or dashboards.DEFAULT_SORT)

    def filter_q(self, qs: QuerySet[Claim], name: str, value: str) -> QuerySet[Claim]:
        return dashboards.claims_matching(qs, text=value.strip()) if value.strip() else qs

    def filter_article(self, qs: QuerySet[Claim], name: str, value: Any) -> QuerySet[Claim]:
        return dashboards.claims_in_article(qs, article_id=int(value))

    def filter_publisher(self, qs: QuerySet[Claim], name: str, value: str) -> QuerySet[Claim]:
        return dashboards.claims_by_publisher(qs, publisher=value)

    def filter_annotator(self, qs: QuerySet[Claim], name: str, value: str) -> QuerySet[Claim]:
        username = value.strip()
        if not username:
            return qs
        return dashboards.claims_rated_by(qs, user=self.request.user, username=username)

    def filter_dates(self, qs: QuerySet[Claim], name: str, value: date) -> QuerySet[Claim]:
        if name == "since":
            return dashboards.claims_created_between(qs, since=value, until=None)
        return dashboards.claims_created_between(qs, since=None, until=value)

    def filter_consensus(self, qs: QuerySet[Claim], name: str, value: str) -> QuerySet[Claim]:
        return dashboards.claims_with_consensus_status(qs, status=value)

    def filter_verdict(self, qs: QuerySet[Claim], name: str, value: str) -> QuerySet[Claim]:
        return dashboards.claims_with_verdict(qs, user=self.request.user, label=value)

    def filter_agreement(self, qs: QuerySet[Claim], name: str, value: str) -> QuerySet[Claim]:
        return dashboards.claims_in_agreement_band(qs, band=value)

    def filter_sort(self, qs: QuerySet[Claim], name: str, value: str) -> QuerySet[Claim]:
        return qs  # applied last, in `qs`
