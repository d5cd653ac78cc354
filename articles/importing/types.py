"""Value types passed between the importing steps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Limits:
    """Size limits for one import (in bytes / members); the service fills them from settings."""

    max_file_bytes: int
    max_zip_bytes: int
    max_zip_members: int


@dataclass(frozen=True)
class SourceFile:
    """One file to parse: its display name (path or `archive.zip/member`) and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Rejection:
    """A file, archive or record that cannot be imported, with the reason shown to the user."""

    name: str
    reason: str


@dataclass(frozen=True)
class ParsedArticle:
    """One article ready to save: cleaned body, the raw original and the metadata found.

    `source_format` is an `Article.SourceFormat` value; the fields are not yet cut to the
    column sizes (the import service does that, from the model).
    """

    name: str
    title: str
    body: str
    raw: str
    source_format: str
    url: str = ""
    publisher: str = ""
    author: str = ""
    published_at: datetime | None = None
    language: str = ""
