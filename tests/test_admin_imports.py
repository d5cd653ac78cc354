"""The admin upload page: editors import (sync and via the job); others get 403."""

import io
import zipfile

import pytest
from django.urls import reverse
from django.utils.html import escape

from articles.importing import formats
from articles.models import Article, ImportBatch

ADD_URL = reverse("admin:articles_importbatch_add")


def upload(name, data):
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def files():
    return [
        upload("one.txt", b"Upload headline\n\nThe uploaded body paragraph.\n\nAdvertisement"),
        upload("bad.json", b'{"title": "no body"}'),
    ]


@pytest.fixture
def editor_web(client, editor):
    client.force_login(editor)
    return client


@pytest.mark.django_db
def test_import_upload_page_renders_for_editors(editor_web):
    response = editor_web.get(ADD_URL)

    assert response.status_code == 200
    assert b"Import articles" in response.content
    assert b'type="file"' in response.content
    assert b"multiple" in response.content
    # The accepted files and their help come from the table of formats.
    page = response.content.decode()
    assert f'accept="{escape(formats.accept_attribute())}"' in page
    assert escape(formats.formats_help()) in page


@pytest.mark.django_db
def test_import_upload_imports_small_batches_immediately(
    editor_web, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        response = editor_web.post(
            ADD_URL, {"uploads": files(), "publisher": "Gazette"}, follow=True
        )

    assert response.status_code == 200
    # Imported in the request: no import job queued (only claim finding over the new article).
    assert [c.__qualname__.split(".")[0] for c in queued] == ["claims_find_after_import"]
    article = Article.objects.get()
    assert (article.title, article.publisher, article.imported_by) == (
        "Upload headline",
        "Gazette",
        editor,
    )
    assert "Advertisement" not in article.body
    html = response.content.decode()
    assert "1 imported, 0 duplicates, 1 rejected" in html
    assert "fc-result-imported" in html
    assert "the record has no body or text" in html
    # However small, the upload leaves an import batch with its per-file results, and the
    # admin log records it.
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.total, batch.imported, batch.rejected) == ("done", 2, 1, 1)
    assert response.redirect_chain[-1][0].endswith(f"/importbatch/{batch.pk}/change/")
    from django.contrib.admin.models import LogEntry

    assert LogEntry.objects.filter(object_id=str(batch.pk), user=editor).exists()


@pytest.mark.django_db
def test_import_upload_sends_large_batches_to_the_job(
    editor_web, settings, django_capture_on_commit_callbacks
):
    settings.FACTCHECK_IMPORT_ASYNC_MIN_FILES = 3
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(3):
            archive.writestr(f"{number}.txt", f"Zipped headline {number}\n\nZipped body {number}.")
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_web.post(ADD_URL, {"uploads": [upload("set.zip", buffer.getvalue())]})

    batch = ImportBatch.objects.get()
    change_url = reverse("admin:articles_importbatch_change", args=[batch.pk])
    assert response.status_code == 302
    assert response["Location"] == change_url
    assert batch.status == ImportBatch.Status.DONE
    assert (batch.total, batch.imported) == (3, 3)

    page = editor_web.get(change_url)

    assert page.status_code == 200
    html = page.content.decode()
    assert "Results per file" in html
    assert "set.zip/0.txt" in html
    assert "3 of 3 files processed (100%)" in html
    assert 'name="_save"' not in html


@pytest.mark.django_db
def test_import_upload_requires_a_file(editor_web):
    response = editor_web.post(ADD_URL, {"publisher": "x"})

    assert response.status_code == 200
    assert b"This field is required" in response.content
    assert not Article.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["annotator", "viewer"])
def test_import_upload_is_forbidden_to_other_roles(client, role, request):
    client.force_login(request.getfixturevalue(role))

    assert client.get(ADD_URL).status_code == 403
    assert client.post(ADD_URL, {"uploads": files()}).status_code == 403
    assert not Article.objects.exists()
