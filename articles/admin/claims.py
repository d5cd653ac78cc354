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
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe

from articles import roles
from articles.admin.adjudication import may_publish
from articles.admin.changelists import DeskChangeListMixin
from articles.admin.common import (
    EditorHistoryAdmin,
    consensus_html,
    label_badge,
    log_desk_action,
    ratings_caption,
    request_user,
    require_editor,
    service_errors,
    verdict_html,
)
from articles.admin.filters import ConsensusLabelFilter, ConsensusStatusFilter, MyAnnotationFilter
from articles.admin.forms import (
    AssignToForm,
    KnownAnswerForm,
    RequiredAnnotationsForm,
    StaffClaimForm,
)
from articles.admin.paging import PageKeysPaginator
from articles.models import (
    Annotation,
    Assignment,
    Claim,
    ClaimAppearance,
    Verdict,
)
from articles.presentation import counted
from articles.selectors.claims import claims_for_user
from articles.selectors.outcomes import claim_consensus, claim_current_verdict
from articles.selectors.visibility import claim_outcome_visible, visible_claim_outcomes
from articles.services.annotations import annotation_outcome_seen
from articles.services.assignments import assignment_create, claim_staff, claims_auto_assign
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

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Whoever may see the claim's outcome may read its published verdicts (annotators once
        # they have rated it), whatever the Verdict model permissions of their groups.
        if obj is None:
            return super().has_view_permission(request, obj)
        return claim_outcome_visible(user=request.user, claim_id=obj.pk)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Verdict]:
        # Not the admin's default (empty without the model's view permission): the verdicts
        # this user may see, by the blindness rule.
        return visible_claim_outcomes(
            Verdict.objects.select_related("published_by"), user=request.user
        )


# The only lookups a blind user may filter the claim list by (the filters offered to them).
# Everything else could reveal
# others' work: annotation, consensus and verdict fields, and `updated_at`, which moves when
# others rate a claim.
BLIND_ALLOWED_LOOKUPS = frozenset({"status", MyAnnotationFilter.parameter_name})

# --- the admin -----------------------------------------------------------------------------


@admin.register(Claim)
class ClaimAdmin(DeskChangeListMixin, EditorHistoryAdmin, admin.ModelAdmin[Claim]):
    search_fields = ("text", "claimant")
    list_select_related = ("created_by",)
    list_per_page = 50
    paginator = PageKeysPaginator
    # Totals are bounded (see EstimatingPaginator); no second exact count.
    show_full_result_count = False
    # No "Show counts" link: facets count every filter value over the whole list on each visit.
    show_facets = admin.ShowFacets.NEVER
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
        if roles.is_annotator(request.user) and not roles.is_editor(request.user):
            return (
                "claim_link",
                "claimant",
                "status_badge",
                "articles",
                "my_annotation",
                "consensus_col",
                "verdict_col",
            )
        return (
            "text",
            "claimant",
            "status_badge",
            "articles",
            "progress",
            "consensus_col",
            "verdict_col",
        )

    def get_list_display_links(self, request: HttpRequest, list_display: Any) -> Any:
        if "claim_link" in list_display:
            return None  # the claim column links by itself (to the annotate screen)
        return super().get_list_display_links(request, list_display)

    @admin.display(description="Claim", ordering="text")
    def claim_link(self, obj: Claim) -> str:
        """For annotators: a claim assigned to them (or rated) opens the annotate screen; any
        other claim its read-only page."""
        if getattr(obj, "assigned_to_me", False) or getattr(obj, "my_label", ""):
            url = reverse("admin:desk-annotate", args=(obj.pk,))
        else:
            url = reverse("admin:articles_claim_change", args=(obj.pk,))
        return format_html('<a href="{}">{}</a>', url, obj)

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

    # Not sortable: a computed count, which would be computed for every claim to sort them.
    @admin.display(description="Articles")
    def articles(self, obj: Claim) -> int:
        return int(getattr(obj, "n_appearances", 0) or 0)

    @admin.display(description="Annotations")
    def progress(self, obj: Claim) -> str:
        return ratings_caption(getattr(obj, "n_annotations", 0), obj.required_annotations)

    @admin.display(description="Consensus")
    def consensus_col(self, obj: Claim) -> str:
        return consensus_html(
            status=getattr(obj, "consensus_status", "") or "",
            label=getattr(obj, "consensus_label", "") or "",
            n_annotations=getattr(obj, "n_annotations", None),
            required=obj.required_annotations,
        )

    @admin.display(description="Verdict")
    def verdict_col(self, obj: Claim) -> str:
        return verdict_html(getattr(obj, "verdict_label", "") or "")

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
            "{} · agreement {} · {} · {}",
            consensus_html(
                status=consensus.status,
                label=consensus.label,
                n_annotations=consensus.n_annotations,
                required=obj.required_annotations,
            ),
            agreement,
            ratings_caption(consensus.n_annotations, obj.required_annotations),
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
            for claim in queryset.filter(pk__in={a.claim_id for a in created}):
                mine = [str(a.annotator) for a in created if a.claim_id == claim.pk]
                log_desk_action(request, claim, f"Assigned by load to {', '.join(mine)}")
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
                    if not errors:
                        log_desk_action(request, claim, f"Assigned to {annotator}")
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

    def get_urls(self) -> list[URLPattern]:
        staff = path(
            "<int:claim_id>/staff/",
            self.admin_site.admin_view(self.staff_view),
            name="articles_claim_staff",
        )
        return [staff, *super().get_urls()]

    def staff_view(self, request: HttpRequest, claim_id: int) -> HttpResponse:
        """POST from the article page right after creating a claim: set how many annotators it
        needs and assign them (picked, or by load)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        user = require_editor(request)
        claim = get_object_or_404(Claim, pk=claim_id)
        back = request.POST.get("next", "")
        safe = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
        target = back if safe else reverse("admin:articles_claim_change", args=(claim_id,))
        form = StaffClaimForm(request.POST)
        if not form.is_valid():
            for field_errors in form.errors.values():
                for message in field_errors:
                    messages.error(request, str(message))
            return HttpResponseRedirect(target)
        with service_errors(request) as errors:
            created = claim_staff(
                user=user,
                claim_id=claim_id,
                required_annotations=form.cleaned_data["required_annotations"],
                annotator_ids=[a.pk for a in form.cleaned_data["annotators"]],
            )
        if not errors:
            needed = form.cleaned_data["required_annotations"]
            names = ", ".join(sorted(str(a.annotator) for a in created)) or "nobody new"
            summary = f"Needs {counted(needed, 'annotator')}; assigned to {names}"
            log_desk_action(request, claim, summary)
            messages.success(request, f"Claim #{claim.pk}: {summary}.")
        return HttpResponseRedirect(target)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra = dict(extra_context or {})
        if object_id.isdigit() and roles.is_annotator(request.user):
            claim_id = int(object_id)
            consensus = claim_consensus(claim_id=claim_id)
            shown = claim_outcome_visible(user=request.user, claim_id=claim_id) and (
                claim_current_verdict(claim_id=claim_id) is not None
                or (consensus is not None and consensus.is_decided)
            )
            if shown:
                annotation_outcome_seen(user=request_user(request), claim_id=claim_id)
        if may_publish(request.user) and object_id.isdigit():
            extra["adjudicate_url"] = reverse("admin:desk-adjudicate", args=(object_id,))
        return super().change_view(request, object_id, form_url, extra)
