"""An import batch never stays `running`: an unforeseen error, or transient errors past the
retries, mark it failed with the reason and keep what was recorded."""

import io

import pytest
from django.db import OperationalError

from articles.models import ImportBatch
from articles.services import imports as import_services
from articles.tasks.imports import article_batch_import_task


def make_batch():
    handle = io.BytesIO(b"Headline\n\nBody text of the article.")
    return import_services.import_batch_create(uploads=[("one.txt", handle)], queue=False)


@pytest.mark.django_db
def test_import_batch_process_marks_an_unforeseen_error_failed(monkeypatch):
    batch = make_batch()

    def explode(*args, **kwargs):
        raise KeyError("a bug")

    monkeypatch.setattr(import_services, "_import_grouped", explode)

    result = import_services.import_batch_process(batch_id=batch.pk)

    batch.refresh_from_db()
    assert result.status == batch.status == ImportBatch.Status.FAILED
    assert batch.error == "the import stopped: KeyError('a bug')"
    assert batch.finished_at is not None


@pytest.mark.django_db
def test_import_batch_process_lets_transient_errors_retry(monkeypatch):
    batch = make_batch()

    def lost(*args, **kwargs):
        raise OperationalError("server closed the connection")

    monkeypatch.setattr(import_services, "_import_grouped", lost)

    with pytest.raises(OperationalError):
        import_services.import_batch_process(batch_id=batch.pk)

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.RUNNING  # the retry resumes it


@pytest.mark.django_db
def test_article_batch_import_task_marks_failed_when_retries_run_out(monkeypatch):
    batch = make_batch()

    def lost(*, batch_id):
        raise OperationalError("server closed the connection")

    monkeypatch.setattr(import_services, "import_batch_process", lost)
    task = article_batch_import_task
    task.push_request(retries=task.max_retries)  # type: ignore[call-arg]
    try:
        with pytest.raises(OperationalError):
            task.run(batch.pk)
    finally:
        task.pop_request()

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.error.startswith("gave up after 5 retries: OperationalError(")


@pytest.mark.django_db
def test_import_batch_fail_leaves_a_finished_batch_alone():
    batch = make_batch()
    import_services.import_batch_process(batch_id=batch.pk)

    result = import_services.import_batch_fail(batch_id=batch.pk, reason="late")

    assert (result.status, result.error) == (ImportBatch.Status.DONE, "")
