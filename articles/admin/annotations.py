"""Annotation admin: editors read every annotation; annotators list their own and open one to
revise it on the annotate screen. Annotations are written only through that screen
(`annotation_submit`)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from articles import roles
from articles.admin.changelists import DeskChangeListMixin
from articles.admin.common import (
    EditorHistoryAdmin,
    label_badge,
)
from articles.admin.filters import AnnotatorSearchFilter
from articles.admin.paging import PageKeysPaginator
from articles.models import (
    Annotation,
)
from articles.selectors.visibility import annotations_for_user

# --- Annotation ----------------------------------------------------------------------------


@admin.register(Annotation)
class AnnotationAdmin(DeskChangeListMixin, EditorHistoryAdmin, admin.ModelAdmin[Annotation]):
    list_select_related = ("claim", "annotator")
    search_fields = ("claim__text", "rationale")
    list_per_page = 50
    # Totals are bounded (see EstimatingPaginator), and there is no second exact count.
    # The page's keys first, then its rows with their claim and users (a join made before the
    # LIMIT would be made for every matching row).
    paginator = PageKeysPaginator
    show_full_result_count = False
    # No "Show counts" link: facets count every filter value over the whole list on each visit.
    show_facets = admin.ShowFacets.NEVER
    fields = (
        "claim",
        "annotator",
        "label",
        "counted_label",
        "revealed_at",
        "confidence",
        "rationale",
        "evidence",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Annotation]:
        return annotations_for_user(user=request.user)

    def get_list_display(self, request: HttpRequest) -> tuple[str, ...]:
        if roles.is_editor(request.user):
            return ("claim", "annotator", "label_badge", "counted", "confidence", "updated_at")
        return ("claim", "label_badge", "confidence", "updated_at", "revise")

    def get_list_filter(self, request: HttpRequest) -> tuple[Any, ...]:
        if roles.is_editor(request.user):
            # A search box, not a link per annotator (thousands of them).
            return ("label", AnnotatorSearchFilter)
        return ("label",)

    @admin.display(description="Verdict", ordering="label")
    def label_badge(self, obj: Annotation) -> str:
        return label_badge(obj.label)

    @admin.display(description="Counted")
    def counted(self, obj: Annotation) -> str:
        """The label the consensus counts, when the author revised after seeing the outcome."""
        if not obj.revised_after_reveal:
            return mark_safe('<span class="fc-muted">as given</span>')
        return format_html(
            '{} <span class="fc-muted">revised after seeing the consensus</span>',
            label_badge(obj.counted_label),
        )

    @admin.display(description="")
    def revise(self, obj: Annotation) -> str:
        return format_html(
            '<a href="{}">Open</a>',
            reverse("admin:desk-annotate", args=(obj.claim_id,)),
        )

    @admin.display(description="Evidence")
    def evidence(self, obj: Annotation) -> str:
        links = obj.evidence_links or []
        if not links:
            return "—"
        return format_html_join(
            "", '<div><a href="{}" rel="noopener noreferrer" target="_blank">{}</a></div>',
            ((link, link) for link in links),
        )  # fmt: skip

    # Annotations are written only through the annotate screen (annotation_submit).

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Annotation | None = None) -> bool:
        if not super().has_view_permission(request, obj):
            return False
        if roles.is_editor(request.user):
            return True
        if not roles.is_annotator(request.user):
            return False
        return obj is None or getattr(obj, "annotator_id", None) == request.user.pk

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        # An annotator opening their own annotation lands on the annotate screen to revise it.
        if not roles.is_editor(request.user) and roles.is_annotator(request.user):
            annotation = self.get_queryset(request).filter(pk=object_id).first()
            if annotation is not None:
                return HttpResponseRedirect(
                    reverse("admin:desk-annotate", args=(annotation.claim_id,))
                )
        return super().change_view(request, object_id, form_url, extra_context)
