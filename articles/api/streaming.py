"""Streamed CSV and JSON Lines: rows come from a server-side cursor
(`selectors.exports.verdict_export_rows`) and leave in chunks of about CHUNK_BYTES, so memory
stays flat whatever the number of rows and the first bytes leave before the query is done."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from articles.selectors.exports import EXPORT_COLUMNS

CHUNK_BYTES = 64 * 1024


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def csv_chunks(rows: Iterable[tuple[Any, ...]]) -> Iterator[bytes]:
    """A header line, then the rows as CSV, in byte chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def jsonl_chunks(rows: Iterable[tuple[Any, ...]]) -> Iterator[bytes]:
    """One JSON object per row and line, keys in `EXPORT_COLUMNS` order, in byte chunks."""
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    parts: list[str] = []
    size = 0
    for row in rows:
        line = encode(dict(zip(EXPORT_COLUMNS, map(_cell, row), strict=True)))
        parts.append(line)
        size += len(line) + 1
        if size >= CHUNK_BYTES:
            parts.append("")
            yield "\n".join(parts).encode("utf-8")
            parts, size = [], 0
    if parts:
        parts.append("")
        yield "\n".join(parts).encode("utf-8")
