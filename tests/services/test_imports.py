"""The import services: groups of articles, duplicates, batches and the Celery job."""

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from django.db import DataError, IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from articles.importing import ParsedArticle
from articles.models import Article, ImportBatch
from articles.services import imports as services
from articles.tasks.imports import article_batch_import_task

SEEDS = Path(__file__).resolve().parents[2] / ".." / "shared" / "seeds"
BODY = "The council approved the budget on Monday.\n\nIt includes 3.2 million euros for schools."


def parsed(name="a.txt", body=BODY, **fields):
    return ParsedArticle(
        name=name,
        title=fields.pop("title", "Budget approved"),
        body=body,
        raw=body,
        source_format="text",
        **fields,
    )


def write(folder, name, data):
    path = folder / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


@pytest.mark.django_db
def test_article_import_saves_the_article(editor):
    result = services.article_import(parsed=parsed(author="Ana Ruiz"), imported_by=editor)

    article = Article.objects.get()
    assert result == services.ImportResult("a.txt", "imported", article.pk, "Budget approved")
    assert article.body == BODY
    assert article.author == "Ana Ruiz"
    assert article.imported_by == editor
    assert article.content_hash == services.content_hash(BODY)


@pytest.mark.django_db
def test_article_import_duplicate_changes_nothing():
    first = services.article_import(parsed=parsed(publisher="One"))
    before = Article.objects.values().get()

    again = services.article_import(
        parsed=parsed(name="b.txt", body=BODY.upper().replace("\n\n", "  \n\n "), publisher="Two")
    )

    assert again.status == "duplicate"
    assert again.article_id == first.article_id
    assert list(Article.objects.values()) == [before]


@pytest.mark.django_db
def test_article_import_detects_duplicates_through_the_unique_constraint(monkeypatch):
    # Insert first, look up on conflict: a concurrent import of the same article (the race)
    # takes the same path as a plain re-import.
    lookups = []
    original = services._existing_article_id

    def recording_lookup(digest):
        lookups.append(digest)
        return original(digest)

    monkeypatch.setattr(services, "_existing_article_id", recording_lookup)

    first = services.article_import(parsed=parsed())
    second = services.article_import(parsed=parsed(name="b.txt"))

    assert first.status == "imported"
    assert lookups == [services.content_hash(BODY)]
    assert second == services.ImportResult(
        "b.txt", "duplicate", first.article_id, "Budget approved"
    )
    assert Article.objects.count() == 1


@pytest.mark.django_db
def test_article_import_rejects_what_the_database_refuses(monkeypatch):
    monkeypatch.setattr(services, "_existing_article_id", lambda digest: None)
    services.article_import(parsed=parsed())

    result = services.article_import(parsed=parsed(name="b.txt"))

    assert (result.status, result.reason) == ("rejected", "the database refused it")
    assert Article.objects.count() == 1


@pytest.mark.django_db
def test_article_import_rejects_invalid_fields():
    result = services.article_import(parsed=parsed(url="not a url"))

    assert result.status == "rejected"
    assert result.reason.startswith("url:")
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_article_import_cuts_long_fields_to_the_model_columns():
    fields = {"title": "T" * 600, "author": "A" * 400, "publisher": "P" * 300, "language": "x" * 20}
    result = services.article_import(parsed=parsed(**fields))

    article = Article.objects.get()
    for name in ("title", "author", "publisher"):
        value = getattr(article, name)
        assert len(value) == Article._meta.get_field(name).max_length
        assert value.endswith("…")
    assert article.language == "x" * Article._meta.get_field("language").max_length
    assert result.title == article.title


@pytest.mark.django_db
def test_articles_import_uploads_rejects_a_date_that_cannot_be_stored():
    record = b'{"title": "Far", "body": "A body.", "published_at": "9999-12-31T23:00:00-05:00"}'
    text = b"Far headline\n\nPublished 31 December 9999 23:00 EST\n\nA body paragraph."

    results = services.articles_import_uploads(files=[("far.json", record), ("far.txt", text)])

    assert [r.status for r in results] == ["rejected", "rejected"]
    assert all("is out of range" in r.reason for r in results)
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_articles_import_paths_continues_after_bad_files_without_partial_rows(
    tmp_path, monkeypatch
):
    write(tmp_path, "1.txt", "First headline\n\nFirst body paragraph with facts.")
    write(tmp_path, "2.json", '{"title": "broken", ')
    write(tmp_path, "3.txt", "Second headline\n\nSecond body paragraph with facts.")
    write(tmp_path, "4.txt", "Third headline\n\nThird body paragraph with facts.")
    original = Article.save

    def failing_save(self, *args, **kwargs):
        if self.title == "Third headline":
            original(self, *args, **kwargs)  # the row is written, then the insert fails
            raise IntegrityError("simulated failure after the insert")
        return original(self, *args, **kwargs)

    # The group's articles go in one multi-row INSERT first: it also writes, then fails, so the
    # articles are inserted again one by one and only the failing one is rejected.
    insert_many = services._insert_many

    def failing_insert_many(articles):
        inserted = insert_many(articles)
        if any(article.title == "Third headline" for article in articles):
            raise IntegrityError("simulated failure after the multi-row insert")
        return inserted

    monkeypatch.setattr(Article, "save", failing_save)
    monkeypatch.setattr(services, "_insert_many", failing_insert_many)

    results = services.articles_import_paths(paths=[tmp_path])

    assert [r.status for r in results] == ["imported", "rejected", "imported", "rejected"]
    assert "malformed JSON" in results[1].reason
    assert sorted(Article.objects.values_list("title", flat=True)) == [
        "First headline",
        "Second headline",
    ]


@pytest.mark.django_db
@pytest.mark.skipif(not SEEDS.is_dir(), reason="shared seeds folder not present")
def test_articles_import_paths_imports_the_seeds_once():
    results = services.articles_import_paths(paths=[SEEDS], publisher="Seed desk")

    assert [r.status for r in results] == ["imported"] * 5
    assert Article.objects.count() == 5
    assert set(Article.objects.values_list("publisher", flat=True)) == {"Seed desk"}
    assert set(Article.objects.values_list("source_format", flat=True)) == {"text"}

    again = services.articles_import_paths(paths=[SEEDS])

    assert [r.status for r in again] == ["duplicate"] * 5
    assert Article.objects.count() == 5


@pytest.mark.django_db
def test_articles_import_uploads_reads_zips_and_files():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("x/one.txt", "Zip headline\n\nA body from inside a zip archive.")
        archive.writestr("../escape.txt", "nope")
    files = [
        ("plain.txt", b"Plain headline\n\nA plain body paragraph."),
        ("safe.zip", buffer.getvalue()),
    ]

    results = services.articles_import_uploads(files=files)

    assert [(r.source, r.status) for r in results] == [
        ("plain.txt", "imported"),
        ("safe.zip", "rejected"),
    ]


def make_uploads():
    return [
        ("one.txt", io.BytesIO(b"Batch headline one\n\nThe first body of the batch.")),
        ("two.txt", io.BytesIO(b"Batch headline two\n\nThe second body of the batch.")),
        ("bad.json", io.BytesIO(b"[1, 2")),
        ("../../etc/passwd.txt", io.BytesIO(b"Sneaky name\n\nA body uploaded with a path name.")),
    ]


@pytest.mark.django_db
def test_import_batch_create_packs_files_and_queues_the_job(
    editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        batch = services.import_batch_create(
            uploads=make_uploads(), created_by=editor, publisher="Daily Example"
        )

    assert len(callbacks) == 1
    assert batch.status == ImportBatch.Status.QUEUED
    assert batch.total == 4
    with batch.archive.open("rb") as handle, zipfile.ZipFile(handle) as archive:
        names = archive.namelist()
    assert "passwd.txt" in names
    assert not any(".." in name for name in names)


@pytest.mark.django_db
def test_import_batch_create_skips_hidden_files_like_the_direct_import(
    tmp_path, django_capture_on_commit_callbacks
):
    folder = tmp_path / "desk"
    write(folder.mkdir() or folder, "one.txt", "Batch headline one\n\nThe first body.")
    write(folder, "Thumbs.db", b"\x00litter")
    write(folder, ".DS_Store", b"litter")
    (folder / "__MACOSX").mkdir()
    write(folder / "__MACOSX", "one.txt", b"fork")

    with django_capture_on_commit_callbacks(execute=False):
        batch = services.import_batch_create(paths=[folder])

    with batch.archive.open("rb") as handle, zipfile.ZipFile(handle) as archive:
        names = [name for name in archive.namelist() if name != services.MANIFEST]
    assert names == ["desk/one.txt"]
    assert batch.total == services.articles_import_path_count(paths=[folder]) == 1


@pytest.mark.django_db
def test_import_batch_process_records_results_counts_and_progress(
    editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.import_batch_create(
            uploads=make_uploads(), created_by=editor, publisher="Daily Example"
        )

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    assert (batch.total, batch.processed) == (4, 4)
    assert (batch.imported, batch.duplicates, batch.rejected) == (3, 0, 1)
    assert batch.finished_at is not None
    assert [r["status"] for r in batch.results] == ["imported", "imported", "rejected", "imported"]
    assert batch.results[2]["reason"].startswith("malformed JSON at line 1")
    assert set(Article.objects.values_list("publisher", flat=True)) == {"Daily Example"}
    assert set(Article.objects.values_list("imported_by", flat=True)) == {editor.pk}


@pytest.mark.django_db
def test_article_batch_import_task_is_idempotent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        batch = services.import_batch_create(uploads=make_uploads())

    first = article_batch_import_task(batch.pk)
    second = article_batch_import_task(batch.pk)

    assert (
        first
        == second
        == {
            "batch_id": batch.pk,
            "status": "done",
            "imported": 3,
            "duplicates": 0,
            "rejected": 1,
        }
    )
    assert Article.objects.count() == 3


@pytest.mark.django_db
def test_import_batch_process_resumes_after_an_interrupted_run(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        batch = services.import_batch_create(uploads=make_uploads())
    first = services.articles_import_uploads(
        files=[("one.txt", b"Batch headline one\n\nThe first body of the batch.")]
    )
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.RUNNING, processed=1, results=[first[0].as_dict()]
    )

    batch = services.import_batch_process(batch_id=batch.pk)

    assert [r["status"] for r in batch.results] == ["imported", "imported", "rejected", "imported"]
    assert batch.processed == 4


@pytest.mark.django_db
def test_article_batch_import_task_logs_a_missing_batch(caplog):
    assert article_batch_import_task(987654) == {"batch_id": 987654, "status": "missing"}
    assert "987654" in caplog.text


@pytest.mark.django_db
def test_import_batch_process_marks_an_unreadable_archive_failed(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False):
        batch = services.import_batch_create(uploads=make_uploads())
    with batch.archive.open("wb") as handle:
        handle.write(b"not a zip")

    batch = services.import_batch_process(batch_id=batch.pk)

    assert batch.status == ImportBatch.Status.FAILED
    assert "cannot read the batch archive" in batch.error


def test_content_hash_collapses_every_unicode_space_and_casefolds():
    # Stored hashes must not change: the normalisation is casefold, then every run of what
    # `\s` matches (str.isspace: no-break, line separator, file separator, ideographic space)
    # becomes one space, ends trimmed.
    body = "\u3000 Tax\u00a0RISE\u2028\x1c in\t\t2024\r\nStraße \u2003"
    expected = hashlib.sha256(b"tax rise in 2024 strasse").hexdigest()
    assert services.content_hash(body) == expected


@pytest.mark.django_db
def test_articles_import_paths_reports_files_in_order_whatever_order_rows_are_inserted(tmp_path):
    # A group's articles are inserted in content-hash order; results stay in file order, and of
    # two files with the same article the first one read is the one imported.
    bodies = [f"Headline {n}\n\nBody of article {n}, about the budget." for n in range(6)]
    paths = [write(tmp_path, f"{n}.txt", body) for n, body in enumerate(bodies)]
    paths.append(write(tmp_path, "6.txt", bodies[3].upper()))
    results = services.articles_import_paths(paths=paths)
    assert [Path(r.source).name for r in results] == [f"{n}.txt" for n in range(7)]
    assert [r.status for r in results] == ["imported"] * 6 + ["duplicate"]
    assert results[6].article_id == results[3].article_id
    assert Article.objects.get(pk=results[3].article_id).source_name.endswith("3.txt")


@pytest.mark.django_db
def test_a_group_of_articles_is_inserted_with_one_statement(tmp_path):
    on_file = services.articles_import_paths(
        paths=[write(tmp_path, "old.txt", "Old headline\n\nAn article already on file.")]
    )[0]
    folder = tmp_path / "new"
    folder.mkdir()
    write(folder, "1.txt", "Old headline\n\nAn article ALREADY on file.")
    write(folder, "2.txt", "Second headline\n\nA new article about the budget.")
    write(folder, "3.txt", "Second headline\n\nA new article   about the budget.")
    write(folder, "4.txt", "Third headline\n\nAnother new article, about schools.")

    with CaptureQueriesContext(connection) as queries:
        results = services.articles_import_paths(paths=[folder])

    assert [r.status for r in results] == ["duplicate", "imported", "duplicate", "imported"]
    assert results[0].article_id == on_file.article_id
    assert results[2].article_id == results[1].article_id
    assert Article.objects.count() == 3
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1
    assert "ON CONFLICT" in inserts[0]
    # Each id is the row's own: the statement's returned ids are matched by content hash.
    for result in results:
        article = Article.objects.get(pk=result.article_id)
        assert article.title == result.title


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_group_is_inserted_and_committed_without_savepoints(tmp_path):
    # Outside any transaction of the test's: the group's own is the only one. A savepoint costs
    # two round trips, as much as the insert itself on a busy server.
    for number in range(4):
        write(tmp_path, f"{number}.txt", f"Headline {number}\n\nBody number {number} of four.")

    with CaptureQueriesContext(connection) as queries:
        results = services.articles_import_paths(paths=[tmp_path])

    assert [r.status for r in results] == ["imported"] * 4
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert statements.count("INSERT") == 1
    assert not [sql for sql in statements if "SAVEPOINT" in sql]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_refused_statement_redoes_its_whole_group_one_by_one(tmp_path, monkeypatch):
    # Two articles a statement: the first statement is written, the second refused; the group's
    # transaction rolls back both and every article is inserted again alone.
    monkeypatch.setattr(services, "STATEMENT_CHARS", 150)
    hashes = []
    for number in range(4):
        body = f"Body number {number} of four."
        write(tmp_path, f"{number}.txt", f"Headline {number}\n\n{body}")
        hashes.append(services.content_hash(body))
    # Inserted in hash order: the last hash is in the second statement.
    bad_hash = max(hashes)
    insert_many = services._insert_many
    calls = []

    def two_per_statement(articles):
        calls.append(len(articles))
        inserted = insert_many(articles)
        if any(article.content_hash == bad_hash for article in articles):
            raise DataError("simulated refusal of the statement")
        return inserted

    monkeypatch.setattr(services, "_insert_many", two_per_statement)
    original = Article.save

    def refuse_the_bad_one(self, *args, **kwargs):
        if self.content_hash == bad_hash:
            raise DataError("simulated refusal of this article")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Article, "save", refuse_the_bad_one)

    results = services.articles_import_paths(paths=[tmp_path])

    assert calls == [2, 2]  # the first statement was written before the second was refused
    assert [r.status for r in results] == [
        "rejected" if digest == bad_hash else "imported" for digest in hashes
    ]
    assert Article.objects.count() == 3
    for result in results:
        if result.status == "imported":
            assert Article.objects.get(pk=result.article_id).title == result.title


# --- batches whose job died --------------------------------------------------------------------


def _batch(status, *, age_s, progress_age_s=None, attempts=0, processed=0):
    from datetime import timedelta

    from django.utils import timezone

    with_job = services.import_batch_create(uploads=make_uploads(), queue=False)
    now = timezone.now()
    ImportBatch.objects.filter(pk=with_job.pk).update(
        status=status,
        attempts=attempts,
        processed=processed,
        created_at=now - timedelta(seconds=age_s),
        progress_at=None if progress_age_s is None else now - timedelta(seconds=progress_age_s),
    )
    return with_job


@pytest.fixture
def queued_jobs(monkeypatch):
    sent = []
    monkeypatch.setattr(article_batch_import_task, "delay", lambda batch_id: sent.append(batch_id))
    return sent


@pytest.mark.django_db
def test_import_batches_recover_queues_again_the_batches_whose_job_is_gone(settings, queued_jobs):
    settings.FACTCHECK_IMPORT_STALL_SECONDS = 300
    lost = _batch(ImportBatch.Status.QUEUED, age_s=600)  # its message was lost
    waiting = _batch(ImportBatch.Status.QUEUED, age_s=10)  # may still wait in the queue
    dead = _batch(ImportBatch.Status.RUNNING, age_s=900, progress_age_s=400, attempts=1)
    busy = _batch(ImportBatch.Status.RUNNING, age_s=900, progress_age_s=5, attempts=1)
    done = _batch(ImportBatch.Status.DONE, age_s=900)

    result = services.import_batches_recover()

    assert result.requeued == queued_jobs == [lost.pk, dead.pk]
    assert result.failed == []
    assert {b.pk: b.status for b in ImportBatch.objects.all()} == {
        lost.pk: "queued",
        waiting.pk: "queued",
        dead.pk: "running",
        busy.pk: "running",
        done.pk: "done",
    }


@pytest.mark.django_db
def test_import_batches_recover_fails_a_batch_whose_jobs_kept_dying(settings, queued_jobs):
    settings.FACTCHECK_IMPORT_MAX_ATTEMPTS = 3
    doomed = _batch(
        ImportBatch.Status.RUNNING, age_s=900, progress_age_s=400, attempts=3, processed=2
    )

    result = services.import_batches_recover(stalled_seconds=60)

    assert result.failed == [doomed.pk]
    assert queued_jobs == []
    doomed.refresh_from_db()
    assert doomed.status == ImportBatch.Status.FAILED
    assert doomed.error.startswith("its job stopped 3 times before the end")
    assert "2 of 4 files were processed" in doomed.error
    assert doomed.finished_at is not None


@pytest.mark.django_db
def test_import_batches_recover_leaves_a_batch_whose_job_holds_its_lock(postgres, queued_jobs):
    import psycopg

    from articles.services.joblocks import JobKind
    from tests.conftest import _database_url_for_worker

    slow = _batch(ImportBatch.Status.RUNNING, age_s=900, progress_age_s=400, attempts=1)
    job = psycopg.connect(_database_url_for_worker(), autocommit=True)
    try:
        job.execute("SELECT pg_advisory_lock(%s, %s)", [int(JobKind.IMPORT_BATCH), slow.pk])
        assert services.import_batches_recover(stalled_seconds=60).requeued == []
        # A second job for the same batch leaves it to the first.
        assert services.import_batch_process(batch_id=slow.pk).status == "running"
        job.execute("SELECT pg_advisory_unlock(%s, %s)", [int(JobKind.IMPORT_BATCH), slow.pk])
    finally:
        job.close()
    assert services.import_batches_recover(stalled_seconds=60).requeued == [slow.pk]


@pytest.mark.django_db
def test_import_batch_process_counts_its_attempts_and_records_progress():
    batch = services.import_batch_create(uploads=make_uploads(), queue=False)

    batch = services.import_batch_process(batch_id=batch.pk)

    assert batch.attempts == 1
    assert batch.progress_at is not None
    assert batch.status == ImportBatch.Status.DONE


@pytest.mark.django_db
def test_group_size_is_a_setting(tmp_path, settings):
    for number in range(3):
        write(tmp_path, f"{number}.txt", f"Headline {number}\n\nBody number {number} of three.")
    settings.FACTCHECK_IMPORT_GROUP_FILES = 1

    with CaptureQueriesContext(connection) as queries:
        results = services.articles_import_paths(paths=[tmp_path])

    assert [r.status for r in results] == ["imported"] * 3
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 3  # a group, and a statement, per file
