"""Row estimates where exactness does not matter (how many rows a large table has, for a
paginator's page count): PostgreSQL's planner statistics instead of a scan."""

from __future__ import annotations

from django.db import connection
from django.db.models import Model


def table_row_estimate(model: type[Model]) -> int | None:
    """The planner's estimate of `model`'s table rows (`pg_class.reltuples`, kept by ANALYZE
    and autovacuum), or None on another database or when the table was never analysed."""
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
