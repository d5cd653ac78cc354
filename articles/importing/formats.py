"""The import formats: one table, read by everything that needs to know which files the desk takes.

Each `ImportFormat` is registered once, with its name, file suffixes, media types and reader. The
file walker (`sources`), the reader dispatch (`parse_source`), the `import_articles` command's
help, the admin upload page (its `accept` list and help) and the demo command all read `FORMATS`.
Adding a format is one reader function plus one entry here (and, if its reader stores a new kind
of article, a choice in `Article.SourceFormat`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

from articles.exceptions import ImportRejected
from articles.importing import readers
from articles.importing.decoding import decode_text
from articles.importing.readers import Outcome
from articles.importing.types import Rejection, SourceFile

Reader = Callable[[str, str], list[Outcome]]


@dataclass(frozen=True)
class ImportFormat:
    """One kind of file the desk imports.

    `reader(name, text)` gets the decoded text and returns one outcome per article or record;
    the articles it reads carry an `Article.source_format` value.
    """

    name: str
    label: str  # plural or mass noun: "HTML pages"
    suffixes: tuple[str, ...]
    media_types: tuple[str, ...]
    reader: Reader
    help: str


FORMATS: tuple[ImportFormat, ...] = (
    ImportFormat(
        name="text",
        label="plain text",
        suffixes=(".txt", ".text"),
        media_types=("text/plain",),
        reader=readers.read_text,
        help="the first line is the headline",
    ),
    ImportFormat(
        name="html",
        label="HTML pages",
        suffixes=(".html", ".htm", ".xhtml"),
        media_types=("text/html", "application/xhtml+xml"),
        reader=readers.read_html,
        help="the main text, title, author and date are extracted",
    ),
    ImportFormat(
        name="json",
        label="JSON",
        suffixes=(".json",),
        media_types=("application/json",),
        reader=readers.read_json,
        help=f"an object, or a list of objects, with the {readers.RECORD_FIELDS_HELP}",
    ),
    ImportFormat(
        name="jsonl",
        label="JSON Lines",
        suffixes=(".jsonl", ".ndjson"),
        media_types=("application/jsonl", "application/x-ndjson"),
        reader=readers.read_jsonl,
        help="one such object per line",
    ),
)

# Archives are containers, not formats: their members are read with the formats above.
ARCHIVE_SUFFIXES: tuple[str, ...] = (".zip",)
ARCHIVE_MEDIA_TYPES: tuple[str, ...] = ("application/zip", "application/x-zip-compressed")


def by_suffix() -> dict[str, ImportFormat]:
    """Each registered suffix with its format (read from `FORMATS` on every call: a dozen
    entries, and a test can register a format for the length of a test)."""
    table: dict[str, ImportFormat] = {}
    for import_format in FORMATS:
        for suffix in import_format.suffixes:
            if suffix in table or suffix in ARCHIVE_SUFFIXES or suffix != suffix.lower():
                raise ValueError(f"import suffix {suffix} is registered twice or not lower-case")
            table[suffix] = import_format
    return table


def suffix_of(name: str) -> str:
    """The lower-case suffix of a file name or archive member ("" without one)."""
    return PurePosixPath(name.replace("\\", "/")).suffix.lower()


def format_for(name: str) -> ImportFormat | None:
    """The format that reads the file `name`, or None (archives and unsupported files)."""
    return by_suffix().get(suffix_of(name))


def is_archive(name: str) -> bool:
    return suffix_of(name) in ARCHIVE_SUFFIXES


def accepted_suffixes() -> tuple[str, ...]:
    """Every suffix the import takes, formats first, then archives."""
    return (*by_suffix(), *ARCHIVE_SUFFIXES)


def expected_files() -> str:
    """The suffixes for messages and help texts: ".txt, .text, ... or .zip"."""
    *head, last = accepted_suffixes()
    return f"{', '.join(head)} or {last}"


def accept_attribute() -> str:
    """The value of a file input's `accept` attribute: every suffix and media type."""
    media_types = [t for f in FORMATS for t in f.media_types] + list(ARCHIVE_MEDIA_TYPES)
    return ",".join([*accepted_suffixes(), *dict.fromkeys(media_types)])


def formats_help() -> str:
    """What each format is, in one sentence for help texts: "plain text (.txt, .text): the
    first line is the headline; HTML pages (...): ...; or a .zip of these"."""
    parts = [f"{f.label} ({', '.join(f.suffixes)}): {f.help}" for f in FORMATS]
    return f"{'; '.join(parts)}; or a {' or '.join(ARCHIVE_SUFFIXES)} of these"


def unsupported_reason(name: str) -> str | None:
    """Why the file `name` cannot be imported, or None when a format or archive takes it."""
    if format_for(name) is not None or is_archive(name):
        return None
    suffix = suffix_of(name)
    what = f"'{suffix}'" if suffix else "without an extension"
    return f"unsupported file type {what} (expected {expected_files()})"


def parse_source(source: SourceFile) -> list[Outcome]:
    """Parse one file with its format's reader; every problem becomes a `Rejection`.

    A text or HTML file gives one outcome; a JSON list or a JSON Lines file one per record.
    """
    import_format = format_for(source.name)
    if import_format is None:
        reason = unsupported_reason(source.name) or "an archive must be unpacked first"
        return [Rejection(source.name, reason)]
    try:
        text, _encoding = decode_text(source.data)
        return import_format.reader(source.name, text)
    except ImportRejected as exc:
        return [Rejection(source.name, exc.message)]
