"""Paginators for the desk's pages: a list's cost is bounded by its page, never by the table.

- `ProbingPaginator`: a desk queue whose filter is costly to evaluate on every row: pages by
  probing one row past the page, its total (only shown) from the cached desk counts.
- `PageKeysPaginator`: an `EstimatingPaginator` that slices the page's keys before loading its
  rows with their per-row subqueries.
- `EstimatingPaginator`: the admin change lists. An unfiltered list of a large table takes
  PostgreSQL's own row estimate (`pg_class.reltuples`) instead of a `COUNT(*)` over the whole
  table; a filtered (or searched) list is counted exactly up to `EXACT_UP_TO` rows and past that
  takes the planner's estimate of the filtered query. An estimated total says "about".
  A small table, or a filtered list on another database, counts exactly.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.utils.functional import cached_property

from articles.selectors.estimates import query_row_estimate, table_row_estimate

# Below this many rows an exact count costs less than a millisecond or two: no estimate.
ESTIMATE_FROM_ROWS = 10_000
# A filtered list counts at most this many rows (and one more, to know there are more): past
# that, its total is the planner's estimate.
EXACT_UP_TO = 1_000


class ProbingPage(Page[Any]):
    """A page that knows whether another follows from the row after its own, not a count."""

    def __init__(
        self, object_list: list[Any], number: int, paginator: Paginator[Any], *, more: bool
    ) -> None:
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more

    def end_index(self) -> int:
        return (self.number - 1) * self.paginator.per_page + len(self.object_list)


class ProbingPaginator(Paginator[Any]):
    """For queues whose filter is costly to evaluate on every row: a page is its rows plus one
    more (to know whether a next page exists), so the listing is always exact and costs the
    rows it walks; `count` is the total known from elsewhere (the cached desk counts), only
    shown, never used to cut pages."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = max(0, count)

    @cached_property
    def count(self) -> int:
        return self._known_count

    def page(self, number: Any) -> ProbingPage:
        try:
            number = max(1, int(number))
        except (TypeError, ValueError):
            number = 1
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        more = len(rows) > self.per_page
        return ProbingPage(rows[: self.per_page], number, self, more=more)

    def get_page(self, number: Any) -> ProbingPage:
        return self.page(number)


class EstimatingPaginator(Paginator[Any]):
    """The admin's paginator: the total costs a bounded amount of work, whatever the table's
    size. An unfiltered queryset of a large table is counted by the table's estimate; a filtered
    one exactly up to `EXACT_UP_TO` rows (a count over at most that many), and past that by the
    planner's estimate of the filtered query, never below what was counted. `estimated` is then
    True, and the change list templates say "about". Past the estimate's last page a page may
    come out short or empty."""

    estimated = False

    @cached_property
    def count(self) -> int:
        qs: Any = self.object_list
        query = getattr(qs, "query", None)
        if query is None:
            return len(qs)
        if query.combinator:
            return int(qs.count())
        if not query.where:
            estimate = table_row_estimate(qs.model, using=qs.db)
            if estimate is not None and estimate >= ESTIMATE_FROM_ROWS:
                self.estimated = True
                return estimate
            return int(qs.count())
        counted = int(qs.order_by().values("pk")[: EXACT_UP_TO + 1].count())
        if counted <= EXACT_UP_TO:
            return counted
        estimate = query_row_estimate(qs)
        if estimate is None:
            return int(qs.count())
        self.estimated = True
        return max(estimate, counted)


class PageKeysPaginator(EstimatingPaginator):
    """For change lists whose rows carry per-row subqueries (counts, the user's own label, the
    standing verdict): the page's primary keys come first, from the bare ordering (PostgreSQL
    would otherwise compute every subquery for each row an OFFSET skips), then only those rows
    are loaded with their subqueries. The page's rows are a list in the list's order."""

    def page(self, number: Any) -> Page[Any]:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        qs: Any = self.object_list
        keys = list(qs.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in qs.order_by().filter(pk__in=keys)}
        return Page([rows[key] for key in keys if key in rows], number, self)


def page_of(request: HttpRequest, paginator: Paginator[Any], *, param: str = "page") -> Page[Any]:
    """The page the request asks for in `param`; the first for a bad number, the last when it
    is past the end."""
    return paginator.get_page(request.GET.get(param))
