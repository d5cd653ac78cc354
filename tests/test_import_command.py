"""`manage.py import_articles`: output lines, summary, exit status, progress bar, --async."""

import io
import shutil
from importlib import import_module
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from articles.models import Article, ImportBatch
from tests.conftest import ROOT, wait_for

SEEDS = Path(__file__).resolve().parents[1] / ".." / "shared" / "seeds"


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_articles", *map(str, args), stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def article_file(folder, name, number):
    path = folder / name
    path.write_text(f"Headline number {number}\n\nBody paragraph number {number} with a fact.\n")
    return path


@pytest.mark.django_db
def test_import_articles_prints_one_line_per_file_and_exits_zero(tmp_path):
    one = article_file(tmp_path, "one.txt", 1)

    code, out, _ = run(one)

    article = Article.objects.get()
    assert code == 0
    assert out.splitlines() == [
        f'imported  {one}  → #{article.pk} "Headline number 1"',
        "1 imported, 0 duplicates, 0 rejected",
    ]


@pytest.mark.django_db
def test_import_articles_file_of_many_short_lines(tmp_path):
    # A twentieth of the 4 MB, 2M-line file of issue 15 (its memory: benchmarks/import_memory.py):
    # imported whole, every line a paragraph, the original kept byte for byte; claim finding ran
    # over its 100k sentences in process and found nothing worth checking.
    letters = ["abcdefghij"[i % 10] for i in range(100_000)]
    path = tmp_path / "short-lines.txt"
    path.write_text("Many short lines\n" + "\n".join(letters) + "\n", encoding="utf-8")

    code, out, _ = run(path)

    article = Article.objects.get()
    assert code == 0
    assert out.splitlines()[-1] == "1 imported, 0 duplicates, 0 rejected"
    assert article.title == "Many short lines"
    assert article.body == "\n\n".join(letters)
    assert article.raw == path.read_text(encoding="utf-8")
    assert not article.suggestions.exists()


@pytest.mark.django_db
def test_import_articles_reports_duplicates_and_rejections_and_exits_one(tmp_path):
    one = article_file(tmp_path, "one.txt", 1)
    run(one)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    missing = tmp_path / "nope.txt"

    code, out, _ = run(one, empty, missing)

    article = Article.objects.get()
    assert code == 1
    assert out.splitlines() == [
        f"duplicate {one} (same as #{article.pk})",
        f"rejected  {empty}: the file is empty",
        f"rejected  {missing}: no such file or directory",
        "0 imported, 1 duplicate, 2 rejected",
    ]


@pytest.mark.django_db
def test_import_articles_unknown_user_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="no user named 'ghost'"):
        call_command("import_articles", str(tmp_path), "--user", "ghost", stdout=io.StringIO())


@pytest.mark.django_db
def test_import_articles_records_user_and_publisher(tmp_path, editor):
    run(article_file(tmp_path, "one.txt", 1), "--user", editor.username, "--publisher", "Gazette")

    article = Article.objects.get()
    assert (article.imported_by, article.publisher) == (editor, "Gazette")


@pytest.mark.django_db
def test_import_articles_shows_a_progress_bar_and_only_problems_for_many_files(tmp_path):
    for number in range(25):
        article_file(tmp_path, f"{number:02}.txt", number)
    (tmp_path / "bad.json").write_text("{")

    code, out, err = run(tmp_path)

    assert code == 1
    assert out.splitlines() == [
        f"rejected  {tmp_path / 'bad.json'}: malformed JSON at line 1, column 2: "
        "Expecting property name enclosed in double quotes",
        "25 imported, 0 duplicates, 1 rejected",
    ]
    assert "/26" in err
    assert Article.objects.count() == 25


@pytest.mark.django_db
@pytest.mark.skipif(not SEEDS.is_dir(), reason="shared seeds folder not present")
def test_import_articles_imports_the_seed_folder():
    code, out, _ = run(SEEDS)

    lines = out.splitlines()
    assert code == 0
    assert len(lines) == 6
    assert all(line.startswith("imported  ") for line in lines[:5])
    assert lines[-1] == "5 imported, 0 duplicates, 0 rejected"


@pytest.mark.django_db
def test_import_articles_async_runs_in_process_when_celery_is_eager(tmp_path):
    article_file(tmp_path, "one.txt", 1)
    (tmp_path / "bad.html").write_text("<html><body><nav>Home</nav></body></html>")

    code, out, _ = run("--async", tmp_path)

    batch = ImportBatch.objects.get()
    assert code == 1
    assert batch.status == ImportBatch.Status.DONE
    assert (batch.imported, batch.rejected) == (1, 1)
    assert out.splitlines()[0] == f"Import batch #{batch.pk} ran in process (done)."
    assert out.splitlines()[-1] == "1 imported, 0 duplicates, 1 rejected"


def _worker_media_root():
    """Where the live worker (a separate process with the project's settings) stores files."""
    configured = getattr(import_module("factcheck.settings"), "MEDIA_ROOT", "")
    return Path(configured) if configured else ROOT


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_import_articles_async_is_imported_by_a_live_worker(
    celery_live, live_media_root, tmp_path, settings
):
    settings.MEDIA_ROOT = str(live_media_root)  # the folder the live worker reads
    for number in range(3):
        article_file(tmp_path, f"{number}.txt", number)

    code, out, _ = run("--async", tmp_path)

    batch = ImportBatch.objects.get()
    try:
        assert code == 0
        assert f"Queued import batch #{batch.pk} (3 files)" in out
        done = wait_for(
            lambda: ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.DONE).first(),
            timeout=60,
        )
        assert (done.imported, done.processed, done.total) == (3, 3, 3)
        assert Article.objects.count() == 3
    finally:
        archive = Path(settings.MEDIA_ROOT) / batch.archive.name
        archive.unlink(missing_ok=True)
        if not any(archive.parent.iterdir()):
            shutil.rmtree(Path(settings.MEDIA_ROOT) / "imports", ignore_errors=True)
