"""Article import: save parsed articles, and the ImportBatch flow for Celery jobs.

Parsing and cleaning live in `articles.importing` (no ORM); this module turns their output into
rows. Articles are committed in groups of files and inserted a statement at a time inside a
savepoint (see `_import_grouped`); a statement the database refuses is rolled back and its
articles inserted one by one, each in a savepoint of its own, so one bad file never leaves
partial rows and never aborts the batch: each file gets a result (imported, duplicate or
rejected: why).
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import logging
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path, PurePosixPath
from typing import IO, Any, Literal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import DataError, IntegrityError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from articles.importing import (
    Limits,
    ParsedArticle,
    Rejection,
    SourceFile,
    count_sources,
    iter_path_sources,
    iter_sources_in_bytes,
    parse_source,
)
from articles.importing.formats import is_archive
from articles.importing.sources import count_zip_members, is_hidden, megabytes
from articles.models import EARLIEST_DATE, LATEST_DATE, Article, ImportBatch
from articles.services.claimfinding import claims_find_after_import
from articles.services.joblocks import JobKind, job_lock, job_lock_held
from articles.tasks.transient import TRANSIENT_ERRORS

logger = logging.getLogger(__name__)

Status = Literal["imported", "duplicate", "rejected"]
# The batch archive carries the batch's options in this member (never imported as an article).
MANIFEST = ".factcheck-batch.json"


@dataclass(frozen=True)
class ImportResult:
    """The outcome for one file (or one JSON record): what happened and to which article."""

    source: str
    status: Status
    article_id: int | None = None
    title: str = ""
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ImportCounts:
    imported: int = 0
    duplicates: int = 0
    rejected: int = 0

    @classmethod
    def of(cls, results: Iterable[ImportResult]) -> ImportCounts:
        statuses = [result.status for result in results]
        return cls(
            imported=statuses.count("imported"),
            duplicates=statuses.count("duplicate"),
            rejected=statuses.count("rejected"),
        )

    def summary(self) -> str:
        duplicates = "duplicate" if self.duplicates == 1 else "duplicates"
        return f"{self.imported} imported, {self.duplicates} {duplicates}, {self.rejected} rejected"


def import_limits() -> Limits:
    """The size limits from settings (FACTCHECK_IMPORT_*)."""
    return Limits(
        max_file_bytes=int(settings.FACTCHECK_IMPORT_MAX_FILE_BYTES),
        max_zip_bytes=int(settings.FACTCHECK_IMPORT_MAX_ZIP_BYTES),
        max_zip_members=int(settings.FACTCHECK_IMPORT_MAX_ZIP_MEMBERS),
    )


def content_hash(body: str) -> str:
    """SHA-256 of the body casefolded with whitespace collapsed: the same article in different
    spacing or capitalisation is the same article."""
    # str.split() splits on exactly what `\s` matches (str.isspace), about 3x faster than re.sub.
    normalised = " ".join(body.casefold().split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def article_import(
    *,
    parsed: ParsedArticle,
    imported_by: AbstractBaseUser | None = None,
    publisher: str = "",
) -> ImportResult:
    """Save one parsed article unless an article with the same content hash exists.

    Inputs: `parsed` (from `articles.importing`); `publisher` overrides the one found in the
    file when given; `imported_by` is recorded on the row.
    Side effects: at most one Article row, written in its own transaction.
    Errors: none raised for bad content: a validation failure gives a "rejected" result, an
    existing hash (the unique constraint's IntegrityError, also under concurrent imports) a
    "duplicate" result.
    """
    prepared = _prepare(parsed=parsed, imported_by=imported_by, publisher=publisher)
    return prepared if isinstance(prepared, ImportResult) else _save(prepared)


@dataclass(frozen=True)
class _Ready:
    """A validated article waiting to be inserted, with the name of what it came from."""

    name: str
    article: Article


def _prepare(
    *, parsed: ParsedArticle, imported_by: AbstractBaseUser | None, publisher: str
) -> ImportResult | _Ready:
    """The Article row for `parsed`, validated, or the result that rejects it."""
    digest = content_hash(parsed.body)
    title = _fit("title", parsed.title)
    published = parsed.published_at
    if published is not None and not EARLIEST_DATE <= published <= LATEST_DATE:
        # The readers refuse such dates; a date stored past year 9999 could never be loaded.
        return ImportResult(
            parsed.name,
            "rejected",
            None,
            title,
            "published_at: the date is out of range: dates must fall in the years 1 to 9999 in UTC",
        )
    article = Article(
        title=title,
        publisher=publisher or _fit("publisher", parsed.publisher),
        url=_fit("url", parsed.url),
        author=_fit("author", parsed.author),
        published_at=parsed.published_at,
        language=parsed.language[: _column_size("language")],
        body=parsed.body,
        raw=parsed.raw,
        source_format=parsed.source_format,
        # The end of a long path names the file.
        source_name=parsed.name[-_column_size("source_name") :],
        content_hash=digest,
        imported_by_id=imported_by.pk if imported_by is not None else None,
    )
    try:
        # The unique hash and the check constraints are enforced by the database (a duplicate
        # surfaces as IntegrityError below): skip the queries these validations cost per row.
        article.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        return ImportResult(parsed.name, "rejected", None, title, _validation_reason(exc))
    return _Ready(parsed.name, article)


def _save(ready: _Ready) -> ImportResult:
    """Insert a prepared article in its own atomic block: imported, duplicate or rejected."""
    article = ready.article
    try:
        _insert(article)
    except DataError as exc:
        # A value the checks above let through but the database refuses (an encoding it cannot
        # hold): this file is rejected, the others go on.
        logger.warning("import of %s refused by the database: %s", ready.name, exc)
        return ImportResult(
            ready.name, "rejected", None, article.title, "the database refused a value"
        )
    except IntegrityError:
        # The same article is on file (or was just inserted by a concurrent import): a
        # duplicate. Inserting first and looking up only on conflict saves a query per new row.
        existing = _existing_article_id(article.content_hash)
        if existing is not None:
            return ImportResult(ready.name, "duplicate", existing, article.title)
        return ImportResult(ready.name, "rejected", None, article.title, "the database refused it")
    return ImportResult(ready.name, "imported", article.pk, article.title)


# A deadlock between two imports inserting the same articles: PostgreSQL aborts one insert; it is
# retried (the other import has committed or rolled back by then, so it succeeds or is a
# duplicate).
DEADLOCK_RETRIES = 3


def _insert(article: Article) -> None:
    for attempt in range(DEADLOCK_RETRIES + 1):
        try:
            with transaction.atomic():
                article.save(force_insert=True)
        except OperationalError as exc:
            if attempt == DEADLOCK_RETRIES or not _is_deadlock(exc):
                raise
            logger.info("deadlock inserting article %s; retrying", article.content_hash[:12])
            continue
        return


def _is_deadlock(exc: OperationalError) -> bool:
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) == "40P01" or getattr(cause, "pgcode", None) == "40P01"


@cache
def _column_size(field: str) -> int:
    """The max_length of an Article text column: the model is where the sizes are defined."""
    size = getattr(Article._meta.get_field(field), "max_length", None)
    if not isinstance(size, int):
        raise TypeError(f"Article.{field} has no max_length")
    return size


def _fit(field: str, value: str) -> str:
    """`value` cut to its Article column, with an ellipsis to show the cut."""
    limit = _column_size(field)
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def _existing_article_id(digest: str) -> int | None:
    return Article.objects.filter(content_hash=digest).values_list("id", flat=True).first()


def _validation_reason(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(
            f"{field}: {' '.join(str(m) for m in messages)}"
            for field, messages in exc.message_dict.items()
        )
    return " ".join(exc.messages)


def _import_source(
    item: SourceFile | Rejection, *, imported_by: AbstractBaseUser | None, publisher: str
) -> list[ImportResult | _Ready]:
    """Read and prepare one file's articles: results for what is rejected, the rest ready to
    insert (see :func:`_import_grouped`)."""
    if isinstance(item, Rejection):
        return [ImportResult(item.name, "rejected", reason=item.reason)]
    try:
        outcomes = parse_source(item)
    except (ValueError, RecursionError, MemoryError) as exc:
        # The readers reject what they know to be bad with a reason; a parser library failing
        # on input nobody foresaw must still cost only this file, never the import.
        logger.warning("reading %s failed: %r", item.name, exc)
        return [ImportResult(item.name, "rejected", reason=f"the file could not be read ({exc})")]
    results: list[ImportResult | _Ready] = []
    for outcome in outcomes:
        if isinstance(outcome, Rejection):
            results.append(ImportResult(outcome.name, "rejected", reason=outcome.reason))
        else:
            results.append(_prepare(parsed=outcome, imported_by=imported_by, publisher=publisher))
    return results


FileCallback = Callable[[str, list[ImportResult]], None]


# Articles are committed in groups: a group's articles go in multi-row INSERT statements and
# share one commit, which is what costs (an fsync per commit on SQLite, a round trip and a WAL
# flush on PostgreSQL; a statement and two savepoint round trips per article cost PostgreSQL
# imports 0.8 s per 500 articles, one statement per group 0.15 s). The statements take no
# savepoint (two round trips each, which on a busy machine cost as much as the insert): when the
# database refuses one (a value it cannot hold, a deadlock with another import), the group's
# transaction rolls back and is done again article by article, each in a savepoint of its own,
# so only the refused article is rejected. A group closes after FACTCHECK_IMPORT_GROUP_FILES
# files or this many seconds of reading. A group's files are read and prepared first, outside
# the transaction; its articles are then inserted in content-hash order. On a server database an
# insert holds the unique-hash lock of its row until the commit, so two imports of the same
# files in different orders could each wait for a hash the other holds (a deadlock) if they
# inserted in file order; every import taking those locks in one global order (by hash) cannot.
GROUP_SECONDS = 0.5


FileResults = tuple[str, list[ImportResult]]


def _import_grouped(
    items: Iterable[SourceFile | Rejection],
    *,
    imported_by: AbstractBaseUser | None,
    publisher: str,
    in_transaction: Callable[[list[FileResults]], None] | None = None,
    after_commit: Callable[[list[FileResults]], None] | None = None,
) -> None:
    """Import `items` in groups of files per commit; `in_transaction(group)` runs inside the
    group's transaction (progress rows), `after_commit(group)` once it is committed (output)."""
    iterator = iter(items)
    group_files = max(1, int(settings.FACTCHECK_IMPORT_GROUP_FILES))
    finished = False
    while not finished:
        prepared: list[tuple[str, list[ImportResult | _Ready]]] = []
        started = time.monotonic()
        finished = True
        for item in iterator:
            prepared.append(
                (item.name, _import_source(item, imported_by=imported_by, publisher=publisher))
            )
            if len(prepared) >= group_files or time.monotonic() - started >= GROUP_SECONDS:
                finished = False
                break
        if not prepared:
            break
        group = _commit_group(prepared, in_transaction)
        if after_commit is not None:
            after_commit(group)


class _RefusedError(Exception):
    """The database refused a multi-row insert of a group's articles (the cause says why): the
    group's transaction is rolled back and done again article by article."""


def _commit_group(
    prepared: list[tuple[str, list[ImportResult | _Ready]]],
    in_transaction: Callable[[list[FileResults]], None] | None,
) -> list[FileResults]:
    """Save a group's articles in one transaction, with `in_transaction(group)` in it: in
    multi-row statements first; if one is refused, again one article at a time."""

    def save(*, together: bool) -> list[FileResults]:
        with transaction.atomic():
            group = _save_group(prepared, together=together)
            if in_transaction is not None:
                in_transaction(group)
        return group

    try:
        return save(together=True)
    except _RefusedError as refused:
        logger.info(
            "a multi-row article insert was refused (%s); inserting one by one", refused.__cause__
        )
    # Rows of the group's earlier statements were rolled back with the rest: their articles are
    # new again.
    for _, outcomes in prepared:
        for outcome in outcomes:
            if isinstance(outcome, _Ready):
                outcome.article.pk = None
                outcome.article._state.adding = True
    return save(together=False)


def _save_group(
    prepared: list[tuple[str, list[ImportResult | _Ready]]], *, together: bool
) -> list[FileResults]:
    """Insert the group's ready articles in content-hash order (a stable sort: of two files with
    the same article, the first in file order is imported and the other is its duplicate);
    return every file's results in file order. `together`: in multi-row statements (raises
    `_RefusedError` when the database refuses one, leaving the transaction to be rolled back), else
    one by one."""
    ready = sorted(
        (
            ((file, index), outcome)
            for file, (_, outcomes) in enumerate(prepared)
            for index, outcome in enumerate(outcomes)
            if isinstance(outcome, _Ready)
        ),
        key=lambda entry: entry[1].article.content_hash,
    )
    saved: dict[tuple[int, int], ImportResult] = {}
    for statement in _statements(ready):
        saved.update(_save_many(statement) if together else _save_each(statement))
    return [
        (
            name,
            [
                saved[file, index] if isinstance(outcome, _Ready) else outcome
                for index, outcome in enumerate(outcomes)
            ],
        )
        for file, (name, outcomes) in enumerate(prepared)
    ]


# A group's articles go to the database in multi-row INSERT statements of at most this many
# characters of text (the statement is built in memory); a bigger article has one of its own.
STATEMENT_CHARS = 4_000_000

_Keyed = tuple[tuple[int, int], _Ready]


def _statements(ready: list[_Keyed]) -> Iterator[list[_Keyed]]:
    statement: list[_Keyed] = []
    size = 0
    for entry in ready:
        chars = len(entry[1].article.body) + len(entry[1].article.raw)
        if statement and size + chars > STATEMENT_CHARS:
            yield statement
            statement, size = [], 0
        statement.append(entry)
        size += chars
    if statement:
        yield statement


def _save_each(statement: list[_Keyed]) -> dict[tuple[int, int], ImportResult]:
    return {key: _save(ready) for key, ready in statement}


def _save_many(statement: list[_Keyed]) -> dict[tuple[int, int], ImportResult]:
    """Insert `statement`'s articles with one INSERT … ON CONFLICT DO NOTHING: imported, or a
    duplicate of the article on file. Raises `_RefusedError` when the database refuses the statement
    (a value it cannot hold, a deadlock): the transaction is then unusable until rolled back."""
    if len(statement) == 1 or not connection.features.can_return_rows_from_bulk_insert:
        return _save_each(statement)
    try:
        inserted = _insert_many([ready.article for _, ready in statement])
    except (DataError, IntegrityError) as exc:
        raise _RefusedError from exc
    except OperationalError as exc:
        if not _is_deadlock(exc):
            raise
        raise _RefusedError from exc
    results: dict[tuple[int, int], ImportResult] = {}
    duplicates: list[_Keyed] = []
    for key, ready in statement:
        article = ready.article
        article_id = inserted.pop(article.content_hash, None)
        if article_id is None:
            duplicates.append((key, ready))
            continue
        article.pk = article_id
        article._state.adding = False
        article._state.db = connection.alias
        results[key] = ImportResult(ready.name, "imported", article_id, article.title)
    if duplicates:
        existing = dict(
            Article.objects.filter(
                content_hash__in={ready.article.content_hash for _, ready in duplicates}
            ).values_list("content_hash", "id")
        )
        for key, ready in duplicates:
            article_id = existing.get(ready.article.content_hash)
            results[key] = (
                ImportResult(ready.name, "duplicate", article_id, ready.article.title)
                if article_id is not None
                else ImportResult(
                    ready.name, "rejected", None, ready.article.title, "the database refused it"
                )
            )
    return results


def _insert_many(articles: list[Article]) -> dict[str, int]:
    """INSERT the articles in one statement, skipping any whose content hash is on file (or
    earlier in the list); the new rows' ids by content hash. No savepoint of its own (see
    `_commit_group`)."""
    fields = [field for field in Article._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    # Names from the model, quoted by the backend; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(Article._meta.db_table)} "  # noqa: S608
        f"({', '.join(quote(field.column) for field in fields)}) "
        f"VALUES {', '.join([row] * len(articles))} "
        f"ON CONFLICT ({quote('content_hash')}) DO NOTHING "
        f"RETURNING {quote('id')}, {quote('content_hash')}"
    )
    params = [
        field.get_db_prep_save(field.pre_save(article, True), connection)
        for article in articles
        for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {str(digest): int(pk) for pk, digest in cursor.fetchall()}


def _run(
    items: Iterable[SourceFile | Rejection],
    *,
    imported_by: AbstractBaseUser | None,
    publisher: str,
    on_file: FileCallback | None,
) -> list[ImportResult]:
    results: list[ImportResult] = []

    def committed(group: list[FileResults]) -> None:
        for name, file_results in group:
            results.extend(file_results)
            if on_file is not None:
                on_file(name, file_results)

    _import_grouped(items, imported_by=imported_by, publisher=publisher, after_commit=committed)
    # Claim finding (suggestions, matches to claims on file) runs as a job once committed.
    claims_find_after_import(
        article_ids=[r.article_id for r in results if r.status == "imported" and r.article_id]
    )
    return results


def articles_import_paths(
    *,
    paths: Sequence[Path],
    imported_by: AbstractBaseUser | None = None,
    publisher: str = "",
    on_file: FileCallback | None = None,
) -> list[ImportResult]:
    """Import files, folders (recursively) and zips from the file system.

    Inputs: the paths; `publisher` overrides what the files say; `on_file(name, results)` is
    called after each file (progress bars, streaming output).
    Side effects: Article rows, committed in groups of files (see `_import_grouped`).
    Errors: none for bad input: a missing path, an unsupported, oversized, undecodable or
    malformed file, an unsafe zip: each becomes a "rejected" result with its reason.
    """
    return _run(
        iter_path_sources(paths, import_limits()),
        imported_by=imported_by,
        publisher=publisher,
        on_file=on_file,
    )


def articles_import_path_count(*, paths: Sequence[Path]) -> int:
    """How many files `articles_import_paths` will report on (for a progress bar)."""
    return count_sources(paths, import_limits())


def articles_import_uploads(
    *,
    files: Sequence[tuple[str, bytes]],
    imported_by: AbstractBaseUser | None = None,
    publisher: str = "",
    on_file: FileCallback | None = None,
) -> list[ImportResult]:
    """Import in-memory files (name, bytes): uploads, zips among them. Same results as
    `articles_import_paths`."""
    limits = import_limits()
    items = (item for name, data in files for item in iter_sources_in_bytes(name, data, limits))
    return _run(items, imported_by=imported_by, publisher=publisher, on_file=on_file)


def upload_file_count(*, files: Sequence[tuple[str, int, Callable[[], bytes]]]) -> int:
    """How many files an upload holds, counting zip members: (name, size, read) triples."""
    limits = import_limits()
    count = 0
    for name, size, read in files:
        if is_archive(name) and size <= limits.max_zip_bytes:
            count += count_zip_members(read(), limits)
        else:
            count += 1
    return count


# --- batches (Celery) -----------------------------------------------------------------------


def _safe_member_name(name: str, used: set[str]) -> str:
    """A flat, unique member name for the batch archive (uploads carry client-chosen names)."""
    base = PurePosixPath(name.replace("\\", "/")).name or "file"
    candidate, number = base, 1
    while candidate in used or candidate == MANIFEST:
        number += 1
        stem, suffix = PurePosixPath(base).stem, PurePosixPath(base).suffix
        candidate = f"{stem}-{number}{suffix}"
    used.add(candidate)
    return candidate


def _path_members(paths: Sequence[Path]) -> Iterator[tuple[str, Path]]:
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                relative = child.relative_to(path)
                if child.is_file() and not is_hidden(relative.parts):
                    yield f"{path.name}/{relative.as_posix()}", child
        else:
            yield path.name, path


def import_batch_create(
    *,
    uploads: Sequence[tuple[str, IO[bytes]]] = (),
    paths: Sequence[Path] = (),
    created_by: AbstractBaseUser | None = None,
    publisher: str = "",
    queue: bool = True,
) -> ImportBatch:
    """Pack uploaded files and/or files on disk into one zip in the default storage and create a
    queued ImportBatch for it; the job is queued after the transaction commits (with `queue`
    False the caller runs `import_batch_process` itself, e.g. for a small upload: every import
    leaves the same batch record either way).

    Inputs: `uploads` as (name, binary file) pairs; `paths` (files, folders, zips); `publisher`
    overrides what the files say.
    Side effects: one archive in the default storage, one ImportBatch row, one Celery task
    (`article_batch_import_task`) scheduled with `transaction.on_commit`.
    Errors: ValidationError when there is nothing to import; a path that does not exist is
    packed as an empty marker and reported as rejected by the job.
    """
    if not uploads and not paths:
        raise ValidationError("Choose at least one file to import.")
    from articles.tasks.imports import article_batch_import_task

    used: set[str] = set()
    names: list[str] = []
    missing: list[str] = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, handle in uploads:
            member = _safe_member_name(name, used)
            compress = zipfile.ZIP_STORED if is_archive(member) else None
            with archive.open(_zip_info(member, compress), "w") as target:
                while chunk := handle.read(1024 * 1024):
                    target.write(chunk)
            names.append(member)
        for path in paths:
            if not path.exists():
                missing.append(str(path))
        for member, path in _path_members([p for p in paths if p.exists()]):
            member = member if member not in used else _safe_member_name(member, used)
            used.add(member)
            archive.write(path, member)
            names.append(member)
        archive.writestr(
            MANIFEST,
            json.dumps({"publisher": publisher, "files": names, "missing": missing}),
        )
    source_name = ", ".join(PurePosixPath(name).name for name in [*names, *missing][:5])
    if len(names) + len(missing) > 5:
        source_name += f" and {len(names) + len(missing) - 5} more"
    batch = ImportBatch(
        source_name=source_name[:500],
        created_by_id=created_by.pk if created_by is not None else None,
        total=_archive_file_count(buffer, names) + len(missing),
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    batch.archive.save(f"import-{stamp}.zip", File(buffer), save=False)
    batch.full_clean()
    batch.save()
    batch_id = batch.pk
    if queue:
        transaction.on_commit(lambda: article_batch_import_task.delay(batch_id))
    return batch


def _archive_file_count(buffer: io.BytesIO, names: Sequence[str]) -> int:
    """How many results the batch will give: one per file, one per member of a packed zip."""
    limits = import_limits()
    count = 0
    with zipfile.ZipFile(buffer) as archive:
        for name in names:
            if is_archive(name):
                count += count_zip_members(archive.read(name), limits)
            else:
                count += 1
    buffer.seek(0)
    return count


def _zip_info(name: str, compress: int | None) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED if compress is None else compress
    return info


def _batch_sources(
    archive: zipfile.ZipFile, manifest: dict[str, Any]
) -> Iterator[SourceFile | Rejection]:
    limits = import_limits()
    for name in manifest.get("missing", []):
        yield Rejection(str(name), "no such file or directory")
    for name in manifest.get("files", []):
        try:
            info = archive.getinfo(name)
        except KeyError:
            yield Rejection(name, "missing from the batch archive")
            continue
        limit = limits.max_zip_bytes if is_archive(name) else limits.max_file_bytes
        if info.file_size > limit:
            yield Rejection(name, f"file too large: {megabytes(info.file_size)}")
            continue
        with archive.open(info) as handle:
            data = handle.read(limit + 1)
        yield from iter_sources_in_bytes(name, data, limits)


def import_batch_process(*, batch_id: int) -> ImportBatch:
    """Import every file of a batch, recording progress, counts and per-file results on the row.

    Idempotent and resumable: a finished batch is returned untouched; a batch interrupted while
    running (worker lost, job queued again) continues after the last recorded file. One job at
    a time: the batch's job lock is held for the run, and a second job that finds it held
    leaves the batch to the first.
    Side effects: Article rows (committed in groups of files) and updates of the ImportBatch row.
    Errors: ImportBatch.DoesNotExist for an unknown id. An unreadable archive marks the batch
    failed with the reason (and does not raise).
    """
    with job_lock(JobKind.IMPORT_BATCH, batch_id) as mine:
        if not mine:
            logger.info("import batch %s is being imported by another job", batch_id)
            return ImportBatch.objects.get(pk=batch_id)
        return _import_batch_process(batch_id)


def _import_batch_process(batch_id: int) -> ImportBatch:
    batch = ImportBatch.objects.get(pk=batch_id)
    if batch.status in (ImportBatch.Status.DONE, ImportBatch.Status.FAILED):
        return batch
    results: list[dict[str, Any]] = list(batch.results) if batch.processed else []
    done_files = batch.processed
    batch.status = ImportBatch.Status.RUNNING
    batch.attempts += 1
    batch.progress_at = timezone.now()
    batch.save(update_fields=["status", "attempts", "progress_at"])
    try:
        with batch.archive.open("rb") as stored:
            archive_bytes = stored.read()
        archive = zipfile.ZipFile(io.BytesIO(archive_bytes))
        manifest = json.loads(archive.read(MANIFEST))
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        batch.status = ImportBatch.Status.FAILED
        batch.error = f"cannot read the batch archive: {exc}"
        batch.finished_at = timezone.now()
        batch.save(update_fields=["status", "error", "finished_at"])
        return batch

    user = batch.created_by
    publisher = str(manifest.get("publisher") or "")
    processed = done_files

    def record(group: list[FileResults]) -> None:
        # In the group's transaction: the recorded progress never disagrees with the rows.
        nonlocal processed
        processed += len(group)
        results.extend(result.as_dict() for _, file_results in group for result in file_results)
        _save_progress(batch, results, processed)

    try:
        with archive:
            # Files recorded by an earlier, interrupted run are skipped.
            remaining = itertools.islice(_batch_sources(archive, manifest), done_files, None)
            _import_grouped(remaining, imported_by=user, publisher=publisher, in_transaction=record)
    except TRANSIENT_ERRORS:
        raise  # the job retries and resumes after the last recorded file
    except Exception as exc:
        # Never leave a batch "running" for ever: what was committed stays, the rest is reported.
        logger.exception("import batch %s stopped", batch.pk)
        return import_batch_fail(batch_id=batch.pk, reason=f"the import stopped: {exc!r}"[:500])
    _save_progress(batch, results, processed)
    batch.status = ImportBatch.Status.DONE
    batch.total = max(batch.total, processed)
    batch.finished_at = timezone.now()
    batch.save(update_fields=["status", "total", "finished_at"])
    claims_find_after_import(
        article_ids=[r["article_id"] for r in results if r["status"] == "imported"]
    )
    return batch


def import_batch_fail(*, batch_id: int, reason: str) -> ImportBatch:
    """Mark a batch failed with `reason` (the job gave up), keeping the results recorded so far.

    Side effects: updates the ImportBatch row unless it already finished.
    Errors: ImportBatch.DoesNotExist for an unknown id.
    """
    batch = ImportBatch.objects.get(pk=batch_id)
    if batch.status in (ImportBatch.Status.DONE, ImportBatch.Status.FAILED):
        return batch
    batch.status = ImportBatch.Status.FAILED
    batch.error = reason
    batch.finished_at = timezone.now()
    batch.save(update_fields=["status", "error", "finished_at"])
    return batch


def _save_progress(batch: ImportBatch, results: list[dict[str, Any]], processed: int) -> None:
    statuses = [result["status"] for result in results]
    batch.results = results
    batch.processed = processed
    batch.total = max(batch.total, processed)
    batch.imported = statuses.count("imported")
    batch.duplicates = statuses.count("duplicate")
    batch.rejected = statuses.count("rejected")
    batch.progress_at = timezone.now()
    batch.save(
        update_fields=[
            "results",
            "processed",
            "total",
            "imported",
            "duplicates",
            "rejected",
            "progress_at",
        ]
    )


@dataclass(frozen=True)
class RecoverResult:
    """What one run of the periodic check did: batches queued again, and marked failed."""

    requeued: list[int]
    failed: list[int]

    def as_json(self) -> dict[str, Any]:
        return {"requeued": self.requeued, "failed": self.failed}


def import_batches_recover(*, stalled_seconds: float | None = None) -> RecoverResult:
    """Find import batches whose job is gone and queue them again, or give up on them.

    A batch's job is gone when no job holds the batch's lock and the batch has made no
    progress for `stalled_seconds` (default FACTCHECK_IMPORT_STALL_SECONDS): still queued that
    long after it was created (its message was lost: the broker was down when it was queued,
    or the worker that took it died before starting it), or running with no file recorded for
    that long (its worker died). Such a batch is queued again and resumes after its last
    recorded file; one whose jobs already started FACTCHECK_IMPORT_MAX_ATTEMPTS times is marked
    failed instead, with what was imported kept and listed. A job merely waiting to retry after
    a lost connection comes back within a minute, well inside the default.
    """
    from articles.tasks.imports import article_batch_import_task

    stalled = timedelta(
        seconds=stalled_seconds
        if stalled_seconds is not None
        else float(settings.FACTCHECK_IMPORT_STALL_SECONDS)
    )
    cutoff = timezone.now() - stalled
    max_attempts = int(settings.FACTCHECK_IMPORT_MAX_ATTEMPTS)
    candidates = ImportBatch.objects.filter(
        Q(status=ImportBatch.Status.QUEUED, created_at__lte=cutoff)
        | Q(status=ImportBatch.Status.RUNNING)
        & (Q(progress_at__lte=cutoff) | Q(progress_at__isnull=True, created_at__lte=cutoff))
    ).order_by("id")
    requeued: list[int] = []
    failed: list[int] = []
    for batch in candidates.only("id", "status", "attempts", "processed", "total"):
        if job_lock_held(JobKind.IMPORT_BATCH, batch.pk):
            continue
        if batch.attempts >= max_attempts:
            import_batch_fail(
                batch_id=batch.pk,
                reason=(
                    f"its job stopped {batch.attempts} times before the end (the worker running "
                    f"it died); {batch.processed} of {batch.total} files were processed and "
                    "are listed, import the rest again"
                ),
            )
            failed.append(batch.pk)
            continue
        try:
            article_batch_import_task.delay(batch.pk)
        except Exception:  # the broker's errors are many types (kombu, redis, socket)
            logger.warning("could not queue import batch %s again", batch.pk, exc_info=True)
            continue
        logger.warning("import batch %s had no job; queued again", batch.pk)
        requeued.append(batch.pk)
    return RecoverResult(requeued=requeued, failed=failed)


def import_batch_results(batch: ImportBatch) -> list[ImportResult]:
    """The batch's recorded results as ImportResult values."""
    return [ImportResult(**result) for result in batch.results]
