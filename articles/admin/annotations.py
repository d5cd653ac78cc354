"""Annotation, Assignment, Consensus, AnnotatorReliability and Verdict admins, and the
annotator's workspace: "My queue" and the one-claim-per-screen annotate view.

Blind annotation: an annotator's Annotation and Assignment lists hold only their own rows;
Consensus, reliability and verdict pages need permissions annotators do not have (and their
querysets are filtered anyway); history pages are for editors only.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from articles import roles
from articles.admin.common import (
    EditorHistoryAdmin,
    label_badge,
    request_user,
    require_annotator,
    service_errors,
)
from articles.exceptions import ApplicationError
from articles.models import (
    Annotation,
    AnnotatorReliability,
    Assignment,
    Claim,
    Consensus,
    ConsensusRun,
    Label,
    Verdict,
)
from articles.presentation import claim_passages
from articles.selectors.claims import claim_detail
from articles.selectors.outcomes import (
    claim_consensus,
    consensus_for_user,
    reliability_for_user,
    verdicts_for_user,
)
from articles.selectors.queues import (
    annotation_of,
    annotator_done,
    annotator_queue,
    annotator_queue_next,
    annotators_with_load,
    assignment_of,
)
from articles.selectors.visibility import annotations_for_user, assignments_for_user
from articles.services.annotations import LABELS_NEEDING_RATIONALE, annotation_submit
from articles.services.assignments import assignment_create, assignment_delete

# --- the annotate form ---------------------------------------------------------------------


class AnnotateForm(forms.Form):
    label = forms.ChoiceField(choices=Label.choices, widget=forms.RadioSelect)
    confidence = forms.IntegerField(min_value=0, max_value=100, required=False, initial=70)
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False)
    evidence_links = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "https://… (one per line)"}),
        required=False,
        help_text="One URL per line.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("label") in LABELS_NEEDING_RATIONALE and not data.get("rationale", "").strip():
            self.add_error("rationale", "Explain your verdict: required for disputed and false.")
        return data

    def links(self) -> list[str]:
        raw: str = self.cleaned_data.get("evidence_links") or ""
        return [line.strip() for line in raw.splitlines() if line.strip()]


# --- Annotation ----------------------------------------------------------------------------


@admin.register(Annotation)
class AnnotationAdmin(EditorHistoryAdmin, admin.ModelAdmin[Annotation]):
    class Media:
        css: ClassVar[dict[str, tuple[str, ...]]] = {"all": ("articles/desk.css",)}

    list_select_related = ("claim", "annotator")
    search_fields = ("claim__text", "rationale")
    list_per_page = 50
    fields = (
        "claim",
        "annotator",
        "label",
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
            return ("claim", "annotator", "label_badge", "confidence", "updated_at")
        return ("claim", "label_badge", "confidence", "updated_at", "revise")

    def get_list_filter(self, request: HttpRequest) -> tuple[str, ...]:
        if roles.is_editor(request.user):
            return ("label", "annotator")
        return ("label",)

    @admin.display(description="Verdict", ordering="label")
    def label_badge(self, obj: Annotation) -> str:
        return label_badge(obj.label)

    @admin.display(description="")
    def revise(self, obj: Annotation) -> str:
        return format_html(
            '<a href="{}">Open</a>',
            reverse("admin:articles_annotation_annotate", args=(obj.claim_id,)),
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
                    reverse("admin:articles_annotation_annotate", args=(annotation.claim_id,))
                )
        return super().change_view(request, object_id, form_url, extra_context)

    # The annotator's workspace.

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        urls = [
            path("queue/", wrap(self.queue_view), name="articles_annotation_queue"),
            path(
                "annotate/<int:claim_id>/",
                wrap(self.annotate_view),
                name="articles_annotation_annotate",
            ),
        ]
        return urls + super().get_urls()

    def queue_view(self, request: HttpRequest) -> HttpResponse:
        user = require_annotator(request)
        context = {
            **self.admin_site.each_context(request),
            "title": "My queue",
            "opts": self.model._meta,
            "queue": list(annotator_queue(user=user)),
            "done": list(annotator_done(user=user)),
        }
        return TemplateResponse(request, "admin/articles/annotation/queue.html", context)

    def annotate_view(self, request: HttpRequest, claim_id: int) -> HttpResponse:
        user = require_annotator(request)
        get_object_or_404(Claim, pk=claim_id)
        mine = annotation_of(user=user, claim_id=claim_id)
        if mine is None and assignment_of(user=user, claim_id=claim_id) is None:
            raise PermissionDenied
        claim = claim_detail(claim_id=claim_id)
        locked = claim.status == Claim.Status.PUBLISHED
        if request.method == "POST" and not locked:
            form = AnnotateForm(request.POST)
            if form.is_valid():
                with service_errors(request) as errors:
                    annotation_submit(
                        user=user,
                        claim_id=claim_id,
                        label=form.cleaned_data["label"],
                        confidence=form.cleaned_data["confidence"],
                        rationale=form.cleaned_data["rationale"],
                        evidence_links=form.links(),
                    )
                if not errors:
                    messages.success(request, "Saved your annotation.")
                    nxt = annotator_queue_next(user=user, exclude_claim_id=claim_id)
                    if nxt is not None and "_next" in request.POST:
                        return HttpResponseRedirect(
                            reverse("admin:articles_annotation_annotate", args=(nxt.pk,))
                        )
                    return HttpResponseRedirect(reverse("admin:articles_annotation_queue"))
                for message in errors:
                    form.add_error(None, message)
        elif mine is not None:
            form = AnnotateForm(
                initial={
                    "label": mine.label,
                    "confidence": mine.confidence,
                    "rationale": mine.rationale,
                    "evidence_links": "\n".join(mine.evidence_links or []),
                }
            )
        else:
            form = AnnotateForm()
        # Blind until submitted: the consensus is only loaded once the annotator has annotated.
        consensus = claim_consensus(claim_id=claim_id) if mine is not None else None
        queue = list(annotator_queue(user=user).values_list("claim_id", flat=True))
        position = queue.index(claim_id) + 1 if claim_id in queue else None
        context = {
            **self.admin_site.each_context(request),
            "title": "Annotate",
            "opts": self.model._meta,
            "claim": claim,
            "passages": claim_passages(claim=claim),
            "form": form,
            "mine": mine,
            "locked": locked,
            "consensus": consensus,
            "position": position,
            "queue_length": len(queue),
            "labels": Label.choices,
            "selected_label": form["label"].value() or "",
        }
        return TemplateResponse(request, "admin/articles/annotation/annotate.html", context)


# --- Assignment ----------------------------------------------------------------------------


class AnnotatorLoadField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """Annotators, least loaded first, labelled with their open assignments."""

    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name() or obj.username
        return f"{name} — {getattr(obj, 'open_load', 0)} open"


class AssignmentForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Assignment
        fields = ("claim", "annotator")
        field_classes: ClassVar[dict[str, type[forms.Field]]] = {"annotator": AnnotatorLoadField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields.get("annotator")
        if isinstance(field, AnnotatorLoadField):
            field.queryset = annotators_with_load()


class AssignmentStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("open", "Open"), ("done", "Done")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "open":
            return queryset.filter(completed_at__isnull=True)
        if self.value() == "done":
            return queryset.filter(completed_at__isnull=False)
        return queryset


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin[Assignment]):
    class Media:
        css: ClassVar[dict[str, tuple[str, ...]]] = {"all": ("articles/desk.css",)}

    form = AssignmentForm
    list_select_related = ("claim", "annotator", "assigned_by")
    search_fields = ("claim__text",)
    autocomplete_fields = ("claim",)
    list_per_page = 50
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Assignment]:
        return assignments_for_user(user=request.user)

    def get_list_display(self, request: HttpRequest) -> tuple[str, ...]:
        if roles.is_editor(request.user):
            return ("claim", "annotator", "assigned_by", "created_at", "state")
        return ("claim", "created_at", "state")

    def get_list_filter(self, request: HttpRequest) -> tuple[Any, ...]:
        if roles.is_editor(request.user):
            return (AssignmentStateFilter, "annotator")
        return (AssignmentStateFilter,)

    @admin.display(description="State", ordering="completed_at")
    def state(self, obj: Assignment) -> str:
        if obj.completed_at:
            return mark_safe('<span class="fc-status fc-status-settled">done</span>')
        return mark_safe('<span class="fc-status fc-status-open">open</span>')

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return roles.is_editor(request.user) and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Assignment | None = None) -> bool:
        return roles.is_editor(request.user) and super().has_delete_permission(request, obj)

    def get_readonly_fields(
        self, request: HttpRequest, obj: Assignment | None = None
    ) -> tuple[str, ...]:
        if obj is None:
            return ()
        return ("claim", "annotator", "assigned_by", "created_at", "completed_at")

    def get_fields(self, request: HttpRequest, obj: Assignment | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("claim", "annotator")
        return ("claim", "annotator", "assigned_by", "created_at", "completed_at")

    def save_model(self, request: HttpRequest, obj: Assignment, form: Any, change: bool) -> None:
        created = assignment_create(
            user=request_user(request), claim_id=obj.claim_id, annotator_id=obj.annotator_id
        )
        obj.pk = created.pk

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            return super().add_view(request, form_url, extra_context)
        except ApplicationError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(request.get_full_path())

    def delete_model(self, request: HttpRequest, obj: Assignment) -> None:
        assignment_delete(user=request_user(request), assignment_id=obj.pk)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Assignment]) -> None:
        user = request_user(request)
        for pk in queryset.filter(completed_at__isnull=True).values_list("pk", flat=True):
            assignment_delete(user=user, assignment_id=pk)


# --- Consensus, reliability, verdicts (read-only) ------------------------------------------


class _ReadOnlyAdmin:
    """Computed or published rows: nobody adds, edits or deletes them in the admin."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Consensus)
class ConsensusAdmin(_ReadOnlyAdmin, admin.ModelAdmin[Consensus]):
    class Media:
        css: ClassVar[dict[str, tuple[str, ...]]] = {"all": ("articles/desk.css",)}

    list_display = (
        "claim",
        "status",
        "label_badge",
        "agreement_pct",
        "n_annotations",
        "method",
        "computed_at",
    )
    list_filter = ("status", "label", "method")
    list_select_related = ("claim",)
    search_fields = ("claim__text",)
    readonly_fields = (
        "claim",
        "label",
        "status",
        "probabilities",
        "agreement",
        "method",
        "parameters",
        "n_annotations",
        "fingerprint",
        "computed_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Consensus]:
        return consensus_for_user(user=request.user)

    @admin.display(description="Label", ordering="label")
    def label_badge(self, obj: Consensus) -> str:
        return label_badge(obj.label)

    @admin.display(description="Agreement", ordering="agreement")
    def agreement_pct(self, obj: Consensus) -> str:
        return "—" if obj.agreement is None else f"{obj.agreement:.0%}"


@admin.register(ConsensusRun)
class ConsensusRunAdmin(_ReadOnlyAdmin, admin.ModelAdmin[ConsensusRun]):
    """The history of full recomputes: what was estimated, over how much, and how it went."""

    # The method is a filter; the columns must fit beside it.
    list_display = (
        "finished_at",
        "n_claims",
        "n_annotations",
        "n_written",
        "alpha_value",
        "converged",
        "duration",
    )
    list_filter = ("method", "converged")
    date_hierarchy = "finished_at"
    readonly_fields = (
        "method",
        "parameters",
        "labels",
        "priors",
        "model_hash",
        "n_claims",
        "n_annotators",
        "n_annotations",
        "n_written",
        "alpha",
        "iterations",
        "converged",
        "started_at",
        "finished_at",
    )

    @admin.display(description="Alpha", ordering="alpha")
    def alpha_value(self, obj: ConsensusRun) -> str:
        return "—" if obj.alpha is None else f"{obj.alpha:.3f}"

    @admin.display(description="Took")
    def duration(self, obj: ConsensusRun) -> str:
        return f"{(obj.finished_at - obj.started_at).total_seconds():.1f} s"


@admin.register(AnnotatorReliability)
class AnnotatorReliabilityAdmin(_ReadOnlyAdmin, admin.ModelAdmin[AnnotatorReliability]):
    class Media:
        css: ClassVar[dict[str, tuple[str, ...]]] = {"all": ("articles/desk.css",)}

    list_display = ("annotator", "accuracy_pct", "agreement_pct", "n_annotations", "computed_at")
    list_select_related = ("annotator",)
    search_fields = ("annotator__username",)
    readonly_fields = (
        "annotator",
        "accuracy",
        "agreement_with_consensus",
        "n_annotations",
        "confusion",
        "computed_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[AnnotatorReliability]:
        return reliability_for_user(user=request.user)

    @admin.display(description="Accuracy", ordering="accuracy")
    def accuracy_pct(self, obj: AnnotatorReliability) -> str:
        return "—" if obj.accuracy is None else f"{obj.accuracy:.0%}"

    @admin.display(description="Agrees with consensus", ordering="agreement_with_consensus")
    def agreement_pct(self, obj: AnnotatorReliability) -> str:
        value = obj.agreement_with_consensus
        return "—" if value is None else f"{value:.0%}"


@admin.register(Verdict)
class VerdictAdmin(_ReadOnlyAdmin, EditorHistoryAdmin, admin.ModelAdmin[Verdict]):
    class Media:
        css: ClassVar[dict[str, tuple[str, ...]]] = {"all": ("articles/desk.css",)}

    list_display = (
        "claim",
        "version",
        "label_badge",
        "is_override",
        "published_by",
        "published_at",
    )
    list_filter = ("label", "is_override")
    list_select_related = ("claim", "published_by")
    search_fields = ("claim__text", "reason")
    readonly_fields = (
        "claim",
        "version",
        "label",
        "is_override",
        "reason",
        "consensus_label",
        "consensus_status",
        "published_by",
        "published_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Verdict]:
        return verdicts_for_user(user=request.user)

    @admin.display(description="Verdict", ordering="label")
    def label_badge(self, obj: Verdict) -> str:
        return label_badge(obj.label)
