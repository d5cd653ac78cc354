"""Admin change lists that answer a bad date drill-down with the admin's "invalid filter" page.

Django's date hierarchy turns `?<field>__year=9999` into the range [9999, 10000) and
`?...__year=9999&...__month=12` into one ending 32 days later: both overflow Python's dates and
answer 500 (a stored date in year 9999 offers those links itself). They are lookups the list
cannot make, like any other bad filter parameter.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.http import HttpRequest


class DateSafeChangeList(ChangeList):
    def get_filters(self, request: HttpRequest) -> Any:
        try:
            return super().get_filters(request)
        except (ValueError, OverflowError) as exc:
            raise IncorrectLookupParameters(exc) from exc


class DateSafeChangeListMixin:
    """For a ModelAdmin with a `date_hierarchy`: its change list is a `DateSafeChangeList`."""

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return DateSafeChangeList
