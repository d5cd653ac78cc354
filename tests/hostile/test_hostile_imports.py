"""The hostile-input corpus through every way in: the command, the admin upload and `--async`
(the batch job). Each hostile file gets its specific rejection (never a traceback or a 500),
nothing is half-saved, and every good file beside them is imported. Runs on the default SQLite
and, with DATABASE_URL set, on PostgreSQL (where NUL and surrogates are refused by the server);
the `services` test runs the batch on a real worker."""

import io
import re
import warnings
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from articles.models import Article, ImportBatch
from tests.conftest import wait_for
from tests.hostile.corpus import Case, good_files, hostile_cases, text_cases, write_corpus

GOOD_TITLES = {
    "First good headline",
    "Second good headline",
    "Third good headline",
    "Fourth good headline",
}
# A zip whose members share a name is one of the cases: writing it warns, by design.
pytestmark = pytest.mark.filterwarnings("ignore:Duplicate name:UserWarning")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, dict[str, Case]]:
    folder = tmp_path_factory.mktemp("hostile") / "corpus"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cases = write_corpus(folder)
    return folder, cases


def case_of(source: str, folder_name: str) -> str:
    """The corpus file a result is about: `corpus/x.zip/member#2` → `x.zip`."""
    tail = source.split(f"{folder_name}/", 1)[-1]
    return tail.split("/", 1)[0].split("#", 1)[0]


def check_results(results: list[tuple[str, str, str]], folder: Path, cases: dict[str, Case]):
    """`results` as (source, status, reason): every case answered as expected, every good file
    imported."""
    seen: dict[str, list[tuple[str, str]]] = {}
    for source, status, reason in results:
        seen.setdefault(case_of(source, folder.name), []).append((status, reason))
    assert set(seen) == set(cases) | set(good_files())
    wrong = {}
    for name, case in cases.items():
        expected = "rejected" if case.reason else "imported"
        for status, reason in seen[name]:
            if status != expected or case.reason not in reason:
                wrong[name] = (status, reason)
    assert wrong == {}
    for name in good_files():
        assert [status for status, _ in seen[name]] == ["imported"], name
    # No partial rows: exactly the good files and the readable encodings became articles.
    titles = set(Article.objects.values_list("title", flat=True))
    imported_text = {c.name for c in cases.values() if not c.reason}
    assert titles >= GOOD_TITLES
    assert Article.objects.count() == len(GOOD_TITLES) + len(imported_text)
    assert not any("Nav" in title for title in titles)


def test_hostile_corpus_has_every_kind_of_case():
    names = [case.name for case in hostile_cases()]
    assert len(names) >= 60
    assert len(set(names)) == len(names)
    required = {
        "nul-body.json",
        "surrogate-body.json",
        "deep-array.json",
        "date-year-10000.json",
        "navigation.html",
        "declared-bomb.zip",
        "traversal.zip",
        "symlink.zip",
        "encrypted.zip",
        "duplicate-names.zip",
        "backslash-traversal.zip",
        "empty-member.zip",
        "date-negative-year.json",
        "date-published-line.txt",
        "sign-in.html",
        "not-found.html",
        "link-list.html",
        "utf16be-mark-odd.txt",
        "zero-width-only.txt",
        "too-large.html",
    }
    assert required <= set(names)
    assert all(case.reason for case in hostile_cases())
    assert not any(case.reason for case in text_cases())


RESULT_LINE = re.compile(r"^(imported|rejected|duplicate)\s+(\S.*?)(?:  → #\d+ .*|: (.*))?$")


@pytest.mark.django_db
def test_hostile_corpus_through_the_command(corpus):
    folder, cases = corpus
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("import_articles", str(folder), "-v", "2", stdout=out, stderr=io.StringIO())

    assert exited.value.code == 1  # some files were rejected, and the command said so
    lines = out.getvalue().splitlines()
    results = []
    for line in lines[:-1]:
        match = RESULT_LINE.match(line)
        assert match, line
        results.append((match[2], match[1], match[3] or ""))
    check_results(results, folder, cases)
    assert "Traceback" not in out.getvalue()


def uploads_of(paths):
    handles = []
    for path in paths:
        handle = io.BytesIO(path.read_bytes())
        handle.name = path.name
        handles.append(handle)
    return handles


@pytest.mark.django_db
def test_hostile_corpus_through_the_admin_upload(client, editor, corpus, settings):
    folder, cases = corpus
    settings.FACTCHECK_IMPORT_ASYNC_MIN_FILES = 10_000  # processed in the request
    client.force_login(editor)
    paths = sorted(folder.iterdir())
    # An upload holds at most DATA_UPLOAD_MAX_NUMBER_FILES files: the corpus goes in two.
    half = len(paths) // 2
    assert half <= settings.DATA_UPLOAD_MAX_NUMBER_FILES
    results = []
    for part in (paths[:half], paths[half:]):
        response = client.post(
            reverse("admin:articles_importbatch_add"), {"uploads": uploads_of(part)}
        )
        assert response.status_code == 302
        assert client.get(response["Location"]).status_code == 200
    for batch in ImportBatch.objects.order_by("id"):
        assert batch.status == ImportBatch.Status.DONE
        results += [(r["source"], r["status"], r["reason"]) for r in batch.results]
    check_results(results, folder, cases)


@pytest.mark.django_db
def test_admin_upload_of_too_many_files_is_refused_with_the_limit(client, editor, settings):
    client.force_login(editor)
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 5
    files = []
    for n in range(6):
        handle = io.BytesIO(f"Headline {n}\n\nBody {n}.\n".encode())
        handle.name = f"{n}.txt"
        files.append(handle)

    response = client.post(reverse("admin:articles_importbatch_add"), {"uploads": files})

    assert response.status_code == 400
    page = response.content.decode()
    assert "Too many files in one upload: at most 5." in page
    assert "zip archive" in page
    assert not ImportBatch.objects.exists()
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_hostile_corpus_through_the_async_batch(corpus):
    folder, cases = corpus
    with pytest.raises(SystemExit):
        call_command("import_articles", str(folder), "--async", stdout=io.StringIO())

    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.DONE
    check_results([(r["source"], r["status"], r["reason"]) for r in batch.results], folder, cases)


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_hostile_corpus_on_a_real_worker_never_stays_running(
    corpus, celery_live, live_media_root, settings
):
    folder, cases = corpus
    settings.MEDIA_ROOT = str(live_media_root)
    call_command("import_articles", str(folder), "--async", stdout=io.StringIO())

    batch = ImportBatch.objects.get()
    wait_for(
        lambda: ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.DONE).exists(),
        timeout=180,
    )
    batch.refresh_from_db()
    check_results([(r["source"], r["status"], r["reason"]) for r in batch.results], folder, cases)


@pytest.mark.django_db
def test_api_upload_of_too_many_files_is_refused_with_the_limit(editor_client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 5
    files = []
    for n in range(6):
        handle = io.BytesIO(f"Headline {n}\n\nBody {n}.\n".encode())
        handle.name = f"{n}.txt"
        files.append(handle)

    response = editor_client.post("/api/v1/import-jobs/", {"files": files}, format="multipart")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("Too many files in one upload: at most 5.")
    assert not ImportBatch.objects.exists()
