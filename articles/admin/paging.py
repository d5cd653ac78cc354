"""Paginators for the desk's pages: a list's cost is bounded by its page, never by the table.

- `KnownCountPaginator`: a desk page's list whose total comes from somewhere cheaper than a
  count of its queryset (the cached desk counts), for queues whose filter is costly to
  evaluate on every row.
- `EstimatingPaginator`: the admin change lists. An unfiltered list of a large table takes
  PostgreSQL's own row estimate (`pg_class.reltuples`) instead of a `COUNT(*)` over the whole
  table, and says "about"; any filtered list, a small table or another database counts exactly.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.utils.functional import cached_property

from articles.selectors.estimates import table_row_estimate

# Below this many rows an exact count costs less than a millisecond or two: no estimate.
ESTIMATE_FROM_ROWS = 10_000


class KnownCountPaginator(Paginator[Any]):
    """A Paginator told its number of items instead of counting `object_list`."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = max(0, count)

    @cached_property
    def count(self) -> int:
        return self._known_count


class EstimatingPaginator(Paginator[Any]):
    """The admin's paginator: an unfiltered queryset of a large table is counted by estimate
    (`estimated` is then True, and the change list template says "about")."""

    estimated = False

    @cached_property
    def count(self) -> int:
        qs: Any = self.object_list
        query = getattr(qs, "query", None)
        if query is not None and not query.where and not query.combinator:
            estimate = table_row_estimate(qs.model)
            if estimate is not None and estimate >= ESTIMATE_FROM_ROWS:
                self.estimated = True
                return estimate
        return int(qs.count())


def page_of(request: HttpRequest, paginator: Paginator[Any], *, param: str = "page") -> Page[Any]:
    """The page the request asks for in `param`; the first for a bad number, the last when it
    is past the end."""
    return paginator.get_page(request.GET.get(param))
