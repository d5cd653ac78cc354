"""Plain bulk inserts for jobs that write tens of thousands of derived rows at once.

`QuerySet.bulk_create` builds a model instance per row and prepares every field of every
instance, which costs more than the claim-finding job's own work on a large import. These
inserts take rows as tuples, prepare only the fields whose database value differs from their
Python value (JSON, dates), and send them with `executemany` in batches. They skip model
validation and signals, like `bulk_create`: the callers build the rows from values the job
computed itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from django.db import connections, models, router
from django.db.models.constants import OnConflict

# Fields whose Python value is what the database driver takes (a foreign key: the id).
_PLAIN_FIELDS = frozenset(
    {
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "FloatField",
        "ForeignKey",
        "IntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "TextField",
    }
)


def _batches(rows: Iterable[Sequence[Any]], size: int) -> Iterator[list[Sequence[Any]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def rows_insert(
    model: type[models.Model],
    *,
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    ignore_conflicts: bool = False,
    batch_size: int = 2000,
) -> None:
    """Insert `rows` (one value per name in `fields`, as the model's fields take them in
    Python) into `model`'s table, `batch_size` rows per statement. With `ignore_conflicts`,
    rows that would break a unique constraint are skipped (as `bulk_create` does). Run it
    inside the caller's `transaction.atomic` so that a failure leaves no partial rows.
    """
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    model_fields: list[models.Field[Any, Any]] = []
    columns: list[str] = []
    for name in fields:
        field = meta.get_field(name)
        if not isinstance(field, models.Field) or not field.column:
            raise ValueError(f"{meta.label}.{name} is not a column.")
        model_fields.append(field)
        columns.append(field.column)
    quote = connection.ops.quote_name
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    sql = " ".join(
        part
        for part in (
            connection.ops.insert_statement(on_conflict=on_conflict),
            quote(meta.db_table),
            "(" + ", ".join(map(quote, columns)) + ")",
            "VALUES (" + ", ".join(["%s"] * len(model_fields)) + ")",
            connection.ops.on_conflict_suffix_sql(model_fields, on_conflict, None, None),
        )
        if part
    )
    prepare: list[tuple[int, Callable[[Any], Any]]] = [
        (i, _preparer(field, connection))
        for i, field in enumerate(model_fields)
        if field.get_internal_type() not in _PLAIN_FIELDS
    ]
    with connection.cursor() as cursor:
        for batch in _batches(rows, batch_size):
            if prepare:
                prepared: list[Sequence[Any]] = []
                for row in batch:
                    values = list(row)
                    for i, prep in prepare:
                        values[i] = prep(values[i])
                    prepared.append(values)
                batch = prepared
            cursor.executemany(sql, batch)


def _preparer(field: models.Field[Any, Any], connection: Any) -> Callable[[Any], Any]:
    if isinstance(field, models.JSONField):
        # What JSONField.get_db_prep_save comes to for a plain value, without its checks for
        # expressions (the rows hold lists and dicts).
        adapt, encoder = connection.ops.adapt_json_value, field.encoder

        def prepare_json(value: Any) -> Any:
            return adapt(value, encoder)

        return prepare_json
    # Rows often share one value (the job's timestamp): prepare it once.
    last: list[Any] = [object(), None]

    def prepare(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, field.get_db_prep_save(value, connection)
        return last[1]

    return prepare
