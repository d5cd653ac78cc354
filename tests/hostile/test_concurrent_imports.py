"""Two imports of the same 200 files in opposite orders, at the same time, on PostgreSQL: no
error, no deadlock, every article once (the other import reports it as a duplicate)."""

import threading
from pathlib import Path

import pytest
from django.db import connection

from articles.models import Article
from articles.services.imports import articles_import_paths

FILES = 200


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_imports_in_opposite_orders_give_every_article_once(postgres, tmp_path):
    paths = []
    for number in range(FILES):
        path = tmp_path / f"{number:03}.txt"
        path.write_text(f"Headline {number}\n\nBody of article number {number}, with a fact.\n")
        paths.append(path)
    orders: list[list[Path]] = [paths, list(reversed(paths))]
    results: list[list] = [[], []]
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run(index: int) -> None:
        try:
            start.wait()
            results[index] = articles_import_paths(paths=orders[index])
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Article.objects.count() == FILES
    for index in range(2):
        assert len(results[index]) == FILES
        assert {r.status for r in results[index]} <= {"imported", "duplicate"}
    imported = [r for run in results for r in run if r.status == "imported"]
    assert len(imported) == FILES
    assert len({r.article_id for r in imported}) == FILES
