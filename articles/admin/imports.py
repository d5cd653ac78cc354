"""Import admin: the "add" page of ImportBatch is an upload form. Small uploads import at once and
show their per-file results; large ones become a batch for the Celery job, whose (read-only)
change page shows status, progress and per-file results."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from articles.admin.changelists import DeskChangeListMixin
from articles.admin.common import log_desk_action, request_user, service_errors
from articles.importing import formats
from articles.importing.sources import megabytes
from articles.models import ImportBatch
from articles.presentation import counted
from articles.services import imports as import_services
from articles.services.imports import ImportCounts


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that accepts several files (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": formats.accept_attribute()}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            # An empty selection goes through the single-file clean so "required" applies.
            return [single(item, initial) for item in data] if data else [single(None, initial)]
        return [single(data, initial)]


class ImportUploadForm(forms.Form):
    uploads = MultipleFileField(
        label="Files",
        # Empty files get their own "rejected: the file is empty" result, not a form error.
        allow_empty_file=True,
        help_text=f"Select one or more {formats.expected_files()} files.",
    )
    publisher = forms.CharField(
        required=False,
        max_length=200,
        help_text="Optional: the publisher of every article in this upload (overrides the files).",
    )


@admin.register(ImportBatch)
class ImportBatchAdmin(DeskChangeListMixin, admin.ModelAdmin[ImportBatch]):
    list_display = (
        "__str__",
        "source_name",
        "status_badge",
        "progress",
        "imported",
        "duplicates",
        "rejected",
        "created_by",
        "created_at",
    )
    list_filter = ("status",)
    list_select_related = ("created_by",)
    search_fields = ("source_name",)
    date_hierarchy = "created_at"
    fields = (
        "status_badge",
        "progress",
        "source_name",
        "imported",
        "duplicates",
        "rejected",
        "error",
        "created_by",
        "created_at",
        "finished_at",
        "archive",
    )
    readonly_fields = fields
    change_form_template = "admin/articles/importbatch/change_form.html"
    upload_template = "admin/articles/importbatch/upload.html"

    def has_change_permission(self, request: HttpRequest, obj: ImportBatch | None = None) -> bool:
        return False  # batches are written by the import job only

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: ImportBatch) -> str:
        return format_html(
            '<span class="fc-import-status fc-import-{}">{}</span>',
            obj.status,
            obj.get_status_display(),
        )

    @admin.display(description="progress")
    def progress(self, obj: ImportBatch) -> str:
        percent = round(100 * obj.processed / obj.total) if obj.total else 0
        return format_html("{} / {} files ({}%)", obj.processed, obj.total, percent)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        batch = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if batch is not None:
            context.update(
                results=batch.results,
                in_progress=batch.status in (ImportBatch.Status.QUEUED, ImportBatch.Status.RUNNING),
                percent=round(100 * batch.processed / batch.total) if batch.total else 0,
            )
        return super().change_view(request, object_id, form_url, extra_context=context)

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        user = request_user(request)
        form = ImportUploadForm(request.POST or None, request.FILES or None)
        results: list[dict[str, Any]] | None = None
        summary = ""
        if request.method == "POST" and form.is_valid():
            files: list[UploadedFile] = form.cleaned_data["uploads"]
            publisher: str = form.cleaned_data["publisher"].strip()
            count = import_services.upload_file_count(
                files=[(f.name or "upload", f.size or 0, _reader(f)) for f in files]
            )
            in_background = count >= settings.FACTCHECK_IMPORT_ASYNC_MIN_FILES
            with service_errors(request) as errors:
                # Every upload, however small, leaves an import batch with its per-file
                # results; only large ones wait for a worker.
                batch = import_services.import_batch_create(
                    uploads=[(f.name or "upload", _rewound(f)) for f in files],
                    created_by=user,
                    publisher=publisher,
                    queue=in_background,
                )
                if not in_background:
                    batch = import_services.import_batch_process(batch_id=batch.pk)
            if not errors:
                log_desk_action(
                    request, batch, f"Imported {counted(batch.total, 'file')}", added=True
                )
                if in_background:
                    messages.success(
                        request,
                        f"Import batch #{batch.pk} queued: {batch.total} files will be imported "
                        "in the background. This page shows its progress.",
                    )
                else:
                    counts = ImportCounts(
                        imported=batch.imported,
                        duplicates=batch.duplicates,
                        rejected=batch.rejected,
                    )
                    level = messages.WARNING if batch.rejected else messages.SUCCESS
                    messages.add_message(
                        request, level, f"Import #{batch.pk} finished: {counts.summary()}."
                    )
                return HttpResponseRedirect(
                    reverse("admin:articles_importbatch_change", args=[batch.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import articles",
            "form": form,
            "results": results,
            "summary": summary,
            "has_view_permission": self.has_view_permission(request),
            "max_file": megabytes(int(settings.FACTCHECK_IMPORT_MAX_FILE_BYTES)),
            "max_zip": megabytes(int(settings.FACTCHECK_IMPORT_MAX_ZIP_BYTES)),
            "async_min_files": settings.FACTCHECK_IMPORT_ASYNC_MIN_FILES,
            "formats_help": formats.formats_help(),
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.upload_template, context)


def _rewound(upload: UploadedFile) -> UploadedFile:
    upload.seek(0)
    return upload


def _reader(upload: UploadedFile) -> Any:
    def read() -> bytes:
        data = _rewound(upload).read()
        upload.seek(0)
        return bytes(data)

    return read
