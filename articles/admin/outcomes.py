"""Read-only admins of computed and published rows: consensus, consensus runs, annotator
reliability and verdicts, each filtered by `articles.selectors` for the user's role."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import URLPattern, path, reverse

from articles import roles
from articles.admin.changelists import DeskChangeListMixin
from articles.admin.common import (
    EditorHistoryAdmin,
    label_badge,
    require_editor,
    service_errors,
)
from articles.admin.filters import ConsensusMethodFilter
from articles.admin.paging import EstimatingPaginator
from articles.models import (
    AnnotatorReliability,
    Consensus,
    ConsensusRun,
    Verdict,
)
from articles.selectors.outcomes import (
    consensus_for_user,
    reliability_for_user,
    verdicts_for_user,
)
from articles.services.consensus import consensus_full_recompute_request


class _ReadOnlyAdmin:
    """Computed or published rows: nobody adds, edits or deletes them in the admin."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Consensus)
class ConsensusAdmin(DeskChangeListMixin, _ReadOnlyAdmin, admin.ModelAdmin[Consensus]):
    list_display = (
        "claim",
        "status",
        "label_badge",
        "agreement_pct",
        "n_annotations",
        "method",
        "computed_at",
    )
    # The methods from the registry, not a DISTINCT over every row.
    list_filter = ("status", "label", ConsensusMethodFilter)
    list_select_related = ("claim",)
    search_fields = ("claim__text",)
    list_per_page = 50
    # Totals are bounded (see EstimatingPaginator); no second exact count.
    paginator = EstimatingPaginator
    show_full_result_count = False
    # No "Show counts" link: facets count every filter value over the whole list on each visit.
    show_facets = admin.ShowFacets.NEVER
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
class ConsensusRunAdmin(DeskChangeListMixin, _ReadOnlyAdmin, admin.ModelAdmin[ConsensusRun]):
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

    def get_urls(self) -> list[URLPattern]:
        recompute = path(
            "recompute/",
            self.admin_site.admin_view(self.recompute_view),
            name="articles_consensusrun_recompute",
        )
        return [recompute, *super().get_urls()]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra = {"can_recompute": roles.is_editor(request.user), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def recompute_view(self, request: HttpRequest) -> HttpResponse:
        """POST: an editor starts a full recompute now."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        user = require_editor(request)
        back = reverse("admin:articles_consensusrun_changelist")
        with service_errors(request) as errors:
            queued = consensus_full_recompute_request(user=user)
        if errors:
            return HttpResponseRedirect(back)
        if queued:
            messages.success(
                request,
                "Full recompute started: a new run appears here when it finishes.",
            )
        else:
            messages.warning(
                request,
                "The job queue is unreachable; the hourly recompute runs once it is back.",
            )
        return HttpResponseRedirect(back)

    @admin.display(description="Alpha", ordering="alpha")
    def alpha_value(self, obj: ConsensusRun) -> str:
        return "—" if obj.alpha is None else f"{obj.alpha:.3f}"

    @admin.display(description="Took")
    def duration(self, obj: ConsensusRun) -> str:
        return f"{(obj.finished_at - obj.started_at).total_seconds():.1f} s"


@admin.register(AnnotatorReliability)
class AnnotatorReliabilityAdmin(_ReadOnlyAdmin, admin.ModelAdmin[AnnotatorReliability]):
    list_display = (
        "annotator",
        "accuracy_pct",
        "gold_accuracy_pct",
        "agreement_pct",
        "n_annotations",
        "computed_at",
    )
    list_select_related = ("annotator",)
    search_fields = ("annotator__username",)
    readonly_fields = (
        "annotator",
        "accuracy",
        "gold_accuracy",
        "n_gold",
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

    @admin.display(description="Accuracy on known answers", ordering="gold_accuracy")
    def gold_accuracy_pct(self, obj: AnnotatorReliability) -> str:
        """Right on how many of the claims with a known answer (gold claims, published
        verdicts) they rated."""
        if obj.gold_accuracy is None:
            return "—"
        return f"{obj.gold_accuracy:.0%} of {obj.n_gold}"

    @admin.display(description="Agrees with consensus", ordering="agreement_with_consensus")
    def agreement_pct(self, obj: AnnotatorReliability) -> str:
        value = obj.agreement_with_consensus
        return "—" if value is None else f"{value:.0%}"


@admin.register(Verdict)
class VerdictAdmin(
    DeskChangeListMixin, _ReadOnlyAdmin, EditorHistoryAdmin, admin.ModelAdmin[Verdict]
):
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
    list_per_page = 50
    # Totals are bounded (see EstimatingPaginator); no second exact count.
    paginator = EstimatingPaginator
    show_full_result_count = False
    # No "Show counts" link: facets count every filter value over the whole list on each visit.
    show_facets = admin.ShowFacets.NEVER
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
