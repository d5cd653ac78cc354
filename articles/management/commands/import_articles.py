"""`manage.py import_articles PATH [PATH ...] [--async] [--publisher X] [--user USERNAME]`."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any, TextIO

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from tqdm import tqdm

from articles.importing import formats
from articles.services import imports as import_services
from articles.services.imports import ImportCounts, ImportResult
from factcheck.celery import app as celery_app

# Above this many files a progress bar goes to stderr and only problems are listed on stdout.
PROGRESS_BAR_MIN_FILES = 20


class Command(BaseCommand):
    help = (
        f"Import articles from {formats.expected_files()} files and folders (recursively) of "
        f"them: {formats.formats_help()}. "
        "Prints one line per file and a summary; exits with status 1 if any file was rejected."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
        parser.add_argument(
            "--async",
            action="store_true",
            dest="run_async",
            help="Queue an import batch for a Celery worker instead of importing here.",
        )
        parser.add_argument(
            "--publisher", default="", help="Publisher for every article (overrides the files)."
        )
        parser.add_argument("--user", default="", help="Username recorded as the importer.")

    def handle(self, *args: Any, **options: Any) -> None:
        paths: list[Path] = options["paths"]
        user = self._user(options["user"])
        publisher: str = options["publisher"].strip()
        if options["run_async"]:
            results = self._run_async(paths, user, publisher)
        else:
            results = self._run_here(paths, user, publisher, int(options["verbosity"]))
        counts = ImportCounts.of(results)
        self.stdout.write(counts.summary())
        if counts.rejected:
            sys.exit(1)

    def _user(self, username: str) -> AbstractBaseUser | None:
        if not username:
            return None
        user_model = get_user_model()
        try:
            return user_model._default_manager.get_by_natural_key(username)
        except user_model.DoesNotExist:
            raise CommandError(f"no user named {username!r}") from None

    def _run_here(
        self, paths: list[Path], user: AbstractBaseUser | None, publisher: str, verbosity: int
    ) -> list[ImportResult]:
        total = import_services.articles_import_path_count(paths=paths)
        many = total > PROGRESS_BAR_MIN_FILES
        # tqdm needs the raw stream: the command's OutputWrapper appends a newline to each write.
        stderr: TextIO = getattr(self.stderr, "_out", sys.stderr)
        bar = tqdm(total=total, unit="file", file=stderr, disable=not many, leave=False)

        def on_file(name: str, results: list[ImportResult]) -> None:
            for result in results:
                # With many files, stdout lists only what needs attention (unless -v 2).
                if not many or result.status != "imported" or verbosity >= 2:
                    with tqdm.external_write_mode(file=stderr):
                        self.stdout.write(format_result(result))
            bar.update(1)

        try:
            return import_services.articles_import_paths(
                paths=paths, imported_by=user, publisher=publisher, on_file=on_file
            )
        finally:
            bar.close()

    def _run_async(
        self, paths: list[Path], user: AbstractBaseUser | None, publisher: str
    ) -> list[ImportResult]:
        try:
            batch = import_services.import_batch_create(
                paths=paths, created_by=user, publisher=publisher
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        if not celery_app.conf.task_always_eager:
            url = reverse("admin:articles_importbatch_change", args=[batch.pk])
            self.stdout.write(
                f"Queued import batch #{batch.pk} ({batch.total} files). Follow it in the admin at "
                f"{url} — the results appear there as the worker imports the files."
            )
            return []
        # Eager Celery (no REDIS_URL): the job runs in this process. It normally ran already when
        # the creation committed; processing is idempotent, so make sure of it here.
        batch = import_services.import_batch_process(batch_id=batch.pk)
        self.stdout.write(f"Import batch #{batch.pk} ran in process ({batch.status}).")
        if batch.error:
            raise CommandError(batch.error)
        results = import_services.import_batch_results(batch)
        for result in results:
            self.stdout.write(format_result(result))
        return results


def format_result(result: ImportResult) -> str:
    """One line of the report for one file."""
    if result.status == "imported":
        return f'imported  {result.source}  → #{result.article_id} "{result.title}"'
    if result.status == "duplicate":
        return f"duplicate {result.source} (same as #{result.article_id})"
    return f"rejected  {result.source}: {result.reason}"
