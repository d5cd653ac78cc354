"""Row estimates where exactness does not matter (how many rows a large table or a large filtered
list has, for a paginator's page count): PostgreSQL's planner statistics instead of a scan."""

from __future__ import annotations

import json
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet


def table_row_estimate(model: type[Model], *, using: str = "default") -> int | None:
    """The planner's estimate of `model`'s table rows (`pg_class.reltuples`, kept by ANALYZE
    and autovacuum), or None on another database or when the table was never analysed."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)",
            [model._meta.db_table],
        )
        row = cursor.fetchone()
    if row is None or row[0] is None or row[0] < 0:
        return None
    return int(row[0])


def query_row_estimate(qs: QuerySet[Any]) -> int | None:
    """How many rows the planner expects `qs` to return (the top plan node's row estimate:
    `EXPLAIN` plans the query without running it), or None on another database."""
    connection = connections[qs.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = qs.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        row = cursor.fetchone()
    plan: Any = row[0] if row else None
    if isinstance(plan, str):
        plan = json.loads(plan)
    try:
        return max(0, int(plan[0]["Plan"]["Plan Rows"]))
    except (IndexError, KeyError, TypeError, ValueError):
        return None
