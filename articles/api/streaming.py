"""Streamed CSV and JSON Lines, in chunks of about CHUNK_BYTES, so memory stays flat whatever the
number of rows and the first bytes leave before the query is done.

On PostgreSQL the database writes the lines itself (`selectors.exports.verdict_export_copy`,
through COPY) and `joined_chunks` only gathers them. Elsewhere (SQLite) `csv_chunks` and
`jsonl_chunks` write the rows of a cursor (`selectors.exports.verdict_export_rows`), byte for
byte as PostgreSQL does.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from articles.selectors.exports import EXPORT_COLUMNS

CHUNK_BYTES = 256 * 1024


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


class _LineFeedRows:
    """The file of a csv writer whose line terminator is CRLF, keeping each row with LF.

    Python's csv (before 3.13) quotes a field for the characters of its line terminator only, so
    with LF a carriage return would be left bare and split the row for a reader. With CRLF it
    quotes both, as PostgreSQL's COPY does; the rows still end in LF like COPY's. The writer
    hands over one row per write."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()

    def write(self, row: str) -> int:
        return self.buffer.write(row[:-2] + "\n")


def csv_chunks(rows: Iterable[tuple[Any, ...]]) -> Iterator[bytes]:
    """A header line, then the rows as CSV (quoted where needed, LF line ends), in byte
    chunks."""
    out = _LineFeedRows()
    buffer = out.buffer
    writer = csv.writer(out, lineterminator="\r\n")
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


def joined_chunks(pieces: Iterable[bytes | memoryview]) -> Iterator[bytes]:
    """Pieces of output (COPY's lines) gathered into byte chunks of about CHUNK_BYTES."""
    parts: list[bytes | memoryview] = []
    size = 0
    for piece in pieces:
        parts.append(piece)
        size += len(piece)
        if size >= CHUNK_BYTES:
            yield b"".join(parts)
            parts, size = [], 0
    if parts:
        yield b"".join(parts)
