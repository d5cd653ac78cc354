"""Reads for the API and its exports: claims with their visible consensus, verdicts (current
version or every version, with retractions) as each user may read them, and flat export rows.

Blindness is never decided here: every queryset goes through `articles.selectors.visibility`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from articles.models import (
    Annotation,
    Article,
    Assignment,
    Claim,
    ClaimAppearance,
    Consensus,
    ImportBatch,
    Verdict,
)
from articles.roles import AnyUser
from articles.selectors.claims import claims_for_user
from articles.selectors.visibility import (
    annotations_for_user,
    assignments_for_user,
    verdicts_visible,
    visible_claim_outcomes,
)


def _appearances_with_articles() -> Prefetch[Any]:
    return Prefetch(
        "appearances",
        queryset=ClaimAppearance.objects.select_related("article")
        .only(
            "id",
            "claim_id",
            "article_id",
            "start",
            "end",
            "quote",
            "article__id",
            "article__url",
            "article__title",
            "article__publisher",
            "article__published_at",
        )
        .order_by("article__published_at", "article_id", "start"),
    )


def articles_for_api() -> QuerySet[Article]:
    """Articles, newest first (every desk role reads articles)."""
    return Article.objects.order_by("-created_at", "-id")


def claims_for_api(*, user: AnyUser) -> QuerySet[Claim]:
    """Claims with their appearances (and articles) and, in `visible_consensus` (a row or
    None), the consensus `user` may see under the blind rule."""
    return claims_for_user(user=user).prefetch_related(
        _appearances_with_articles(),
        Prefetch(
            "consensus",
            queryset=visible_claim_outcomes(Consensus.objects.all(), user=user),
            to_attr="visible_consensus",
        ),
    )


def annotations_for_api(*, user: AnyUser) -> QuerySet[Annotation]:
    """The annotations `user` may read (editors all, annotators their own), newest first."""
    return annotations_for_user(user=user).order_by("-created_at", "-id")


def assignments_for_api(*, user: AnyUser) -> QuerySet[Assignment]:
    """Editors: every assignment; annotators: their own queue (open and done)."""
    return assignments_for_user(user=user).order_by("created_at", "id")


def import_batches_for_api() -> QuerySet[ImportBatch]:
    return ImportBatch.objects.select_related("created_by").order_by("-created_at", "-id")


def _newer_version_exists() -> Exists:
    return Exists(
        Verdict.objects.filter(claim_id=OuterRef("claim_id"), version__gt=OuterRef("version"))
    )


def verdicts_for_api(
    *, user: AnyUser, public: bool, all_versions: bool = False, with_appearances: bool = True
) -> QuerySet[Verdict]:
    """Verdicts `user` may read (see `visibility.verdicts_visible`), newest first: only each
    claim's current (latest) version unless `all_versions`. Retracted versions are included
    (`retracted_at` set) so that syncing clients learn of them. With `with_appearances`, each
    verdict's claim carries its appearances and their articles (prefetched)."""
    qs = Verdict.objects.select_related("claim")
    if not all_versions:
        qs = qs.exclude(_newer_version_exists())
    if with_appearances:
        qs = qs.prefetch_related(
            Prefetch(
                "claim__appearances",
                queryset=_appearances_with_articles().queryset,
            )
        )
    return verdicts_visible(qs, user=user, public=public).order_by("-published_at", "-id")


def verdicts_standing(qs: QuerySet[Verdict]) -> QuerySet[Verdict]:
    """Only verdicts that are not retracted."""
    return qs.filter(retracted_at__isnull=True)


def verdicts_with_status(qs: QuerySet[Verdict], *, status: str) -> QuerySet[Verdict]:
    """`published` (standing) or `retracted` verdicts."""
    if status == "retracted":
        return qs.filter(retracted_at__isnull=False)
    return verdicts_standing(qs)


def verdicts_changed_since(qs: QuerySet[Verdict], *, since: datetime) -> QuerySet[Verdict]:
    """Verdicts published or retracted at or after `since` (incremental sync)."""
    return qs.filter(Q(published_at__gte=since) | Q(retracted_at__gte=since))


def verdicts_in_article(qs: QuerySet[Verdict], *, article_id: int) -> QuerySet[Verdict]:
    return qs.filter(
        Exists(ClaimAppearance.objects.filter(claim_id=OuterRef("claim_id"), article_id=article_id))
    )


def verdicts_by_publisher(qs: QuerySet[Verdict], *, publisher: str) -> QuerySet[Verdict]:
    """Verdicts on claims appearing in an article of `publisher` (case-insensitive)."""
    return qs.filter(
        Exists(
            ClaimAppearance.objects.filter(
                claim_id=OuterRef("claim_id"), article__publisher__iexact=publisher
            )
        )
    )


def verdicts_tombstones(*, user: AnyUser, public: bool, since: datetime | None) -> QuerySet[Any]:
    """Deleted verdicts (their claim was deleted), from the verdict history: one row per deleted
    version with `id`, `claim_id`, `version` and `history_date` (when it was deleted), oldest
    first. Visible to the same users as verdicts; for blind annotators, none (the claims they
    rated are gone, so the blind rule cannot be checked and nothing is revealed)."""
    from articles.roles import OutcomeScope, outcome_scope

    history: QuerySet[Any] = Verdict.history.model.objects.filter(history_type="-")
    scope = outcome_scope(user)
    if scope is OutcomeScope.RATED or (scope is OutcomeScope.NONE and not public):
        history = history.none()
    if since is not None:
        history = history.filter(history_date__gte=since)
    return history.order_by("history_date", "history_id").values(
        "id", "claim_id", "version", "history_date"
    )


EXPORT_COLUMNS: tuple[str, ...] = (
    "id",
    "claim_id",
    "version",
    "label",
    "status",
    "is_override",
    "reason",
    "consensus_label",
    "claim_text",
    "claimant",
    "published_at",
    "retracted_at",
)


def verdict_export_values(qs: QuerySet[Verdict]) -> QuerySet[Any]:
    """The flat SELECT of the export: `EXPORT_COLUMNS`, with `retracted_at` standing in for
    `status` (see `verdict_export_rows`). The benchmark COPYs this same query."""
    return (
        qs.prefetch_related(None)
        .select_related(None)
        .values_list(
            "id",
            "claim_id",
            "version",
            "label",
            "retracted_at",
            "is_override",
            "reason",
            "consensus_label",
            "claim__text",
            "claim__claimant",
            "published_at",
            "retracted_at",
        )
    )


def verdict_export_rows(qs: QuerySet[Verdict], *, chunk_size: int) -> Iterator[tuple[Any, ...]]:
    """The verdicts of `qs` as flat tuples in `EXPORT_COLUMNS` order (`status` is `published`
    or `retracted`), read through a server-side cursor `chunk_size` rows at a time on PostgreSQL,
    so memory does not grow with the number of rows."""
    for row in verdict_export_values(qs).iterator(chunk_size=chunk_size):
        yield (*row[:4], "retracted" if row[4] is not None else "published", *row[5:])


ExportFormat = Literal["csv", "jsonl"]

# The columns of `verdict_export_values`, named for the SQL that formats them (`retracted_at`
# comes twice there: first as the source of `status`).
_VALUES_COLUMNS: tuple[str, ...] = (
    "id",
    "claim_id",
    "version",
    "label",
    "status_source",
    "is_override",
    "reason",
    "consensus_label",
    "claim_text",
    "claimant",
    "published_at",
    "retracted_at",
)
# What each of `EXPORT_COLUMNS` holds: a number, a boolean, free text, or a word or a time
# (text of letters, digits and `-:.+T` alone, which neither CSV nor JSON quote or escape).
_COLUMN_KINDS: dict[str, Literal["number", "boolean", "text", "word", "time"]] = {
    "id": "number",
    "claim_id": "number",
    "version": "number",
    "label": "text",
    "status": "word",
    "is_override": "boolean",
    "reason": "text",
    "consensus_label": "text",
    "claim_text": "text",
    "claimant": "text",
    "published_at": "time",
    "retracted_at": "time",
}


def _isoformat_sql(column: str) -> str:
    """SQL giving what `datetime.isoformat()` gives for the UTC datetime the ORM reads from the
    timestamp `column`: `YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00` (no fraction when it is zero),
    NULL for NULL. (`.000000` can only be the fraction: nothing else there has a dot.)"""
    return (
        f"(replace(to_char(({column} AT TIME ZONE 'UTC'), 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), "
        "'.000000', '') || '+00:00')"
    )


def _value_sql(name: str) -> str:
    """One of `EXPORT_COLUMNS` over the row `v` of `verdict_export_values`, with the value that
    `verdict_export_rows` gives (times as `_cell` in `articles.api.streaming` writes them)."""
    if name == "status":
        return "(CASE WHEN v.\"status_source\" IS NULL THEN 'published' ELSE 'retracted' END)"
    if _COLUMN_KINDS[name] == "time":
        return _isoformat_sql(f'v."{name}"')
    return f'v."{name}"'


def _csv_sql(name: str) -> str:
    """The column as Python's csv writes it: booleans as `str(value)`; an empty text as None
    (COPY quotes an empty string, to tell it from NULL, where Python's csv writes both bare)."""
    value, kind = _value_sql(name), _COLUMN_KINDS[name]
    if kind == "boolean":
        return f"(CASE WHEN {value} THEN 'True' WHEN NOT {value} THEN 'False' END)"
    if kind == "text":
        return f"NULLIF({value}, '')"
    return value


def _json_sql(name: str) -> str:
    """The column's JSON text as `json.JSONEncoder(ensure_ascii=False)` writes it (numbers,
    `true`/`false`, strings escaped by `to_json` exactly as json does, `null`)."""
    value, kind = _value_sql(name), _COLUMN_KINDS[name]
    if kind == "number":
        json_text = f"{value}::text"
    elif kind == "boolean":
        json_text = f"(CASE WHEN {value} THEN 'true' WHEN NOT {value} THEN 'false' END)"
    elif kind == "text":
        json_text = f"to_json({value})::text"
    else:
        json_text = f"('\"' || {value} || '\"')"
    return f"coalesce({json_text}, 'null')"


# The JSON Lines object of one row: keys in `EXPORT_COLUMNS` order, compact separators, for
# PostgreSQL's format(). A parameter of the statement, so its `%` are no placeholders there.
_JSON_LINE_TEMPLATE = "{" + ",".join(f"{json.dumps(name)}:%s" for name in EXPORT_COLUMNS) + "}"


def verdict_export_by_copy(qs: QuerySet[Verdict]) -> bool:
    """Whether `verdict_export_copy` serves the export of `qs` (PostgreSQL); otherwise it is
    written row by row from `verdict_export_rows`."""
    return connections[qs.db].vendor == "postgresql"


def verdict_export_copy_sql(qs: QuerySet[Verdict], *, fmt: ExportFormat) -> tuple[str, Any]:
    """The `COPY ... TO STDOUT` statement and its parameters that make PostgreSQL write the
    export of `qs` itself, byte for byte as `articles.api.streaming` writes the rows of
    `verdict_export_rows`: the same SELECT (`verdict_export_values`: rows, visibility, order),
    each column formatted in SQL. CSV comes with its header line. Each JSON line is one text
    built by format(), copied in CSV format with a quote and a delimiter that the line never
    contains (JSON escapes every control character), so nothing in it is quoted or escaped
    again.

    Raises `EmptyResultSet` when `qs` can match no row (for instance `none()`)."""
    sql, params = verdict_export_values(qs).query.sql_with_params()
    columns = ", ".join(f'"{name}"' for name in _VALUES_COLUMNS)
    # The inner SELECT keeps its ORDER BY: a subquery with one is not flattened, and the outer
    # projection neither joins, groups nor sorts, so rows leave in its order.
    rows = f"FROM ({sql}) AS v ({columns})"
    if fmt == "csv":
        select = ", ".join(f'{_csv_sql(name)} AS "{name}"' for name in EXPORT_COLUMNS)
        return f"COPY (SELECT {select} {rows}) TO STDOUT WITH (FORMAT csv, HEADER)", params
    values = ", ".join(_json_sql(name) for name in EXPORT_COLUMNS)
    return (
        f"COPY (SELECT format(%s, {values}) {rows}) "
        "TO STDOUT WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')",
        (_JSON_LINE_TEMPLATE, *params),
    )


def verdict_export_copy(
    qs: QuerySet[Verdict], *, fmt: ExportFormat
) -> Iterator[bytes | memoryview]:
    """The export of `qs` as PostgreSQL writes it (`verdict_export_copy_sql`), one piece per
    line as COPY sends it: nothing is turned into Python objects, memory stays flat whatever
    the number of rows, and the first line leaves before the query is done."""
    try:
        sql, params = verdict_export_copy_sql(qs, fmt=fmt)
    except EmptyResultSet:
        if fmt == "csv":
            yield (",".join(EXPORT_COLUMNS) + "\n").encode()
        return
    from django.db.backends.postgresql.operations import DatabaseOperations

    connection = connections[qs.db]
    if not isinstance(connection.ops, DatabaseOperations):
        raise TypeError(f"COPY needs PostgreSQL, not {connection.vendor}")
    statement = connection.ops.compose_sql(sql, params)
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.copy(statement) as copy,
    ):
        yield from copy
