"""Claim admin: the claim list (assignment actions for editors) and the claim's page. The
adjudication screens are desk pages (`articles.admin.adjudication`).

Blind annotation: for annotators the list, filters, search and change page carry no annotation
or consensus data of a claim they have not annotated (`claims_for_user` masks it in
the query itself), and the inlines that would show others' work are editor-only.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from articles import roles
from articles.admin.adjudication import may_publish
from articles.admin.common import (
    EditorHistoryAdmin,
    label_badge,
    request_user,
    service_errors,
)
from articles.admin.filters import ConsensusLabelFilter, ConsensusStatusFilter, MyAnnotationFilter
from articles.admin.forms import AssignToForm, KnownAnswerForm, RequiredAnnotationsForm
from articles.models import (
    Annotation,
    Assignment,
    Claim,
    ClaimAppearance,
    ConsensusStatus,
    Verdict,
)
from articles.selectors.claims import claims_for_user
from articles.selectors.outcomes import claim_consensus
from articles.selectors.visibility import claim_outcome_visible
from articles.services.assignments import assignment_create, claims_auto_assign
from articles.services.claims import (
    claim_create,
    claim_send_back,
    claim_update,
    claims_delete,
    claims_set_required_annotations,
)
from articles.services.known_answers import (
    claim_known_answer_clear,
    claim_known_answer_set,
)

# --- inlines -------------------------------------------------------------------------------


class _ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AppearanceInline(_ReadOnlyInline):
    model = ClaimAppearance
    fields = ("article_link", "quote", "start", "end")
    readonly_fields = fields
    verbose_name = "appearance in an article"

    @admin.display(description="Article")
    def article_link(self, obj: ClaimAppearance) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:articles_article_change", args=(obj.article_id,)),
            obj.article,
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[ClaimAppearance]:
        return super().get_queryset(request).select_related("article")


class AssignmentInline(_ReadOnlyInline):
    model = Assignment
    fk_name = "claim"
    fields = ("annotator", "assigned_by", "created_at", "completed_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Assignment]:
        return super().get_queryset(request).select_related("annotator", "assigned_by")


class AnnotationInline(_ReadOnlyInline):
    model = Annotation
    fields = ("annotator", "label", "confidence", "rationale", "updated_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Annotation]:
        return super().get_queryset(request).select_related("annotator")


class VerdictInline(_ReadOnlyInline):
    model = Verdict
    fields = ("version", "label", "is_override", "reason", "published_by", "published_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Verdict]:
        return super().get_queryset(request).select_related("published_by")


# The only lookups a blind user may filter the claim list by (the filters offered to them).
# Everything else could reveal
# others' work: annotation, consensus and verdict fields, and `updated_at`, which moves when
# others rate a claim.
BLIND_ALLOWED_LOOKUPS = frozenset({"status", MyAnnotationFilter.parameter_name})

# --- the admin -----------------------------------------------------------------------------


@admin.register(Claim)
class ClaimAdmin(EditorHistoryAdmin, admin.ModelAdmin[Claim]):
    search_fields = ("text", "claimant")
    list_select_related = ("created_by",)
    list_per_page = 50
    actions = (
        "auto_assign",
        "assign_to",
        "set_required",
        "send_back",
        "mark_known_answer",
        "clear_known_answer",
    )
    fields = ("text", "claimant", "required_annotations", "status", "created_by", "created_at")
    autocomplete_fields = ()

    # Querysets, columns and filters depend on the role (blindness).

    def get_queryset(self, request: HttpRequest) -> QuerySet[Claim]:
        return claims_for_user(user=request.user).select_related("created_by")

    def get_list_display(self, request: HttpRequest) -> tuple[str, ...]:
        if roles.is_blind(request.user):
            return (
                "text",
                "claimant",
                "status_badge",
                "articles",
                "my_annotation",
                "consensus_col",
            )
        return (
            "text",
            "claimant",
            "status_badge",
            "articles",
            "progress",
            "consensus_col",
        )

    def get_list_filter(self, request: HttpRequest) -> tuple[Any, ...]:
        if roles.is_blind(request.user):
            return ("status", MyAnnotationFilter)
        return ("status", ConsensusStatusFilter, ConsensusLabelFilter, "known_answer__label")

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        # Blind users may not filter by others' work through hand-made query strings
        # (`?consensus__isnull=1`, `?annotations=5`, `?updated_at__gte=`...).
        blind = request is not None and not roles.sees_all_outcomes(request.user)
        if blind and lookup.split("__", 1)[0] not in BLIND_ALLOWED_LOOKUPS:
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_readonly_fields(
        self, request: HttpRequest, obj: Claim | None = None
    ) -> tuple[str, ...]:
        base = ("status", "created_by", "created_at")
        if obj is None:
            return base
        if self.consensus_visible(request, obj):
            return (*base, "consensus_summary")
        return base

    def get_fields(self, request: HttpRequest, obj: Claim | None = None) -> tuple[str, ...]:
        fields = ("text", "claimant", "required_annotations", "status", "created_by", "created_at")
        if obj is not None and self.consensus_visible(request, obj):
            return (*fields, "consensus_summary")
        return fields

    def get_inlines(self, request: HttpRequest, obj: Claim | None) -> list[type[Any]]:
        if obj is None:
            return []
        if roles.is_editor(request.user):
            return [AppearanceInline, AssignmentInline, AnnotationInline, VerdictInline]
        if self.consensus_visible(request, obj):
            return [AppearanceInline, VerdictInline]
        return [AppearanceInline]

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if not roles.is_editor(request.user):
            return {}
        return actions

    def consensus_visible(self, request: HttpRequest, obj: Claim) -> bool:
        return claim_outcome_visible(user=request.user, claim_id=obj.pk)

    def has_assign_permission(self, request: HttpRequest) -> bool:
        return roles.is_editor(request.user) and request.user.has_perm("articles.add_assignment")

    # Columns.

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj: Claim) -> str:
        return format_html('<span class="fc-status fc-status-{}">{}</span>', obj.status,
                           obj.get_status_display())  # fmt: skip

    @admin.display(description="Articles", ordering="n_appearances")
    def articles(self, obj: Claim) -> int:
        return int(getattr(obj, "n_appearances", 0) or 0)

    @admin.display(description="Annotations")
    def progress(self, obj: Claim) -> str:
        n = int(getattr(obj, "n_annotations", 0) or 0)
        return f"{n} / {obj.required_annotations}"

    @admin.display(description="Consensus")
    def consensus_col(self, obj: Claim) -> str:
        status = getattr(obj, "consensus_status", "") or ""
        label = getattr(obj, "consensus_label", "") or ""
        if not status:
            return mark_safe('<span class="fc-muted">—</span>')
        value = getattr(obj, "consensus_agreement", None)
        agreement = "" if value is None else f"{value:.0%} agreement"
        if status != ConsensusStatus.SETTLED:
            return format_html(
                '<span class="fc-status fc-status-{}">{}</span> {}<span class="fc-agree">{}</span>',
                status,
                ConsensusStatus(status).label,
                label_badge(label) if label else "",
                agreement,
            )
        return format_html('{}<span class="fc-agree">{}</span>', label_badge(label), agreement)

    @admin.display(description="Agreement")
    def agreement(self, obj: Claim) -> str:
        value = getattr(obj, "consensus_agreement", None)
        return "—" if value is None else f"{value:.0%}"

    @admin.display(description="My annotation")
    def my_annotation(self, obj: Claim) -> str:
        label = getattr(obj, "my_label", "") or ""
        if not label:
            return mark_safe('<span class="fc-muted">not yet</span>')
        return label_badge(label)

    @admin.display(description="Consensus")
    def consensus_summary(self, obj: Claim) -> str:
        consensus = claim_consensus(claim_id=obj.pk)
        if consensus is None:
            return "Not computed yet."
        agreement = "—" if consensus.agreement is None else f"{consensus.agreement:.0%}"
        return format_html(
            "{} {} · agreement {} · {} annotations · {}",
            consensus.get_status_display(),
            label_badge(consensus.label),
            agreement,
            consensus.n_annotations,
            consensus.method,
        )

    # Writes go through services.

    def save_model(self, request: HttpRequest, obj: Claim, form: Any, change: bool) -> None:
        user = request_user(request)
        if change:
            claim_update(
                user=user,
                claim_id=obj.pk,
                text=obj.text,
                claimant=obj.claimant,
                required_annotations=obj.required_annotations,
            )
        else:
            created = claim_create(
                user=user,
                text=obj.text,
                claimant=obj.claimant,
                required_annotations=obj.required_annotations,
            )
            obj.pk = created.pk

    def get_deleted_objects(
        self, objs: Any, request: HttpRequest
    ) -> tuple[list[Any], dict[str, int], set[str], list[Any]]:
        # The delete service decides who may delete (and removes the dependent rows itself);
        # the admin's per-model delete permissions on those rows do not apply.
        to_delete, counts, _perms_needed, protected = super().get_deleted_objects(objs, request)
        return to_delete, counts, set(), protected

    def delete_model(self, request: HttpRequest, obj: Claim) -> None:
        claims_delete(user=request_user(request), claim_ids=[obj.pk])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Claim]) -> None:
        claims_delete(user=request_user(request), claim_ids=queryset.values_list("pk", flat=True))

    # Actions (editors).

    @admin.action(description="Assign annotators by load", permissions=["assign"])
    def auto_assign(self, request: HttpRequest, queryset: QuerySet[Claim]) -> None:
        user = request_user(request)
        ids = list(queryset.values_list("pk", flat=True))
        with service_errors(request) as errors:
            created = claims_auto_assign(user=user, claim_ids=ids)
        if errors:
            return
        if created:
            people = len({a.annotator_id for a in created})
            self.message_user(
                request,
                f"Made {len(created)} assignments to {people} annotators.",
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request,
                "No assignments made: the claims are fully staffed, published, "
                "or there are no more annotators available.",
                messages.WARNING,
            )

    @admin.action(description="Assign to an annotator…", permissions=["assign"])
    def assign_to(self, request: HttpRequest, queryset: QuerySet[Claim]) -> HttpResponse | None:
        user = request_user(request)
        if "apply" in request.POST:
            form = AssignToForm(request.POST)
            if form.is_valid():
                annotator = form.cleaned_data["annotator"]
                done = 0
                for claim in queryset:
                    with service_errors(request) as errors:
                        assignment_create(user=user, claim_id=claim.pk, annotator_id=annotator.pk)
                    done += 0 if errors else 1
                if done:
                    self.message_user(
                        request, f"Assigned {done} claims to {annotator}.", messages.SUCCESS
                    )
                return None
        else:
            form = AssignToForm()
        return self._intermediate(request, queryset, form, "Assign claims to an annotator")

    @admin.action(description="Set how many annotators each claim needs…", permissions=["change"])
    def set_required(self, request: HttpRequest, queryset: QuerySet[Claim]) -> HttpResponse | None:
        user = request_user(request)
        if "apply" in request.POST:
            form = RequiredAnnotationsForm(request.POST)
            if form.is_valid():
                with service_errors(request) as errors:
                    n = claims_set_required_annotations(
                        user=user,
                        claim_ids=list(queryset.values_list("pk", flat=True)),
                        required_annotations=form.cleaned_data["required_annotations"],
                    )
                if not errors:
                    self.message_user(request, f"Updated {n} claims.", messages.SUCCESS)
                return None
        else:
            form = RequiredAnnotationsForm(initial={"required_annotations": 3})
        return self._intermediate(request, queryset, form, "How many annotators per claim")

    @admin.action(description="Send back for one more annotation", permissions=["assign"])
    def send_back(self, request: HttpRequest, queryset: QuerySet[Claim]) -> None:
        user = request_user(request)
        done = 0
        for claim_id in queryset.values_list("pk", flat=True):
            with service_errors(request) as errors:
                claim_send_back(user=user, claim_id=claim_id, extra_annotations=1)
            done += 0 if errors else 1
        if done:
            self.message_user(
                request, f"Sent {done} claims back for more annotations.", messages.SUCCESS
            )

    @admin.action(description="Mark a known answer (gold claim)…", permissions=["change"])
    def mark_known_answer(
        self, request: HttpRequest, queryset: QuerySet[Claim]
    ) -> HttpResponse | None:
        user = request_user(request)
        if "apply" in request.POST:
            form = KnownAnswerForm(request.POST)
            if form.is_valid():
                done = 0
                for claim_id in queryset.values_list("pk", flat=True):
                    with service_errors(request) as errors:
                        claim_known_answer_set(
                            user=user, claim_id=claim_id, label=form.cleaned_data["label"]
                        )
                    done += 0 if errors else 1
                if done:
                    self.message_user(
                        request, f"Marked the known answer of {done} claims.", messages.SUCCESS
                    )
                return None
        else:
            form = KnownAnswerForm()
        return self._intermediate(request, queryset, form, "Known answer of the selected claims")

    @admin.action(description="Clear the known answer", permissions=["change"])
    def clear_known_answer(self, request: HttpRequest, queryset: QuerySet[Claim]) -> None:
        user = request_user(request)
        done = 0
        for claim_id in queryset.values_list("pk", flat=True):
            with service_errors(request) as errors:
                cleared = claim_known_answer_clear(user=user, claim_id=claim_id)
            done += int(cleared and not errors)
        self.message_user(request, f"Cleared the known answer of {done} claims.", messages.SUCCESS)

    def _intermediate(
        self, request: HttpRequest, queryset: QuerySet[Claim], form: forms.Form, title: str
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "claims": queryset,
            "form": form,
            "action": request.POST.get("action", ""),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(request, "admin/articles/claim/action_form.html", context)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra = dict(extra_context or {})
        if may_publish(request.user) and object_id.isdigit():
            extra["adjudicate_url"] = reverse("admin:desk-adjudicate", args=(object_id,))
        return super().change_view(request, object_id, form_url, extra)
