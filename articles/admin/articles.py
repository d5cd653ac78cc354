"""Article admin: the article reader with its claims highlighted, where editors select a span of
the cleaned body to create a claim or to attach it to an existing claim."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime
from django.views.decorators.http import require_POST

from articles import roles
from articles.admin.changelists import DeskChangeList
from articles.admin.common import log_desk_action, request_user, require_editor, service_errors
from articles.admin.forms import SpanForm, StaffClaimForm
from articles.admin.paging import PageKeysPaginator
from articles.models import Article, Claim, Label
from articles.presentation import reader_highlights
from articles.selectors.articles import (
    article_body_segments,
    article_claims,
    article_list_rows,
    articles_for_admin,
)
from articles.selectors.claims import claims_for_user
from articles.selectors.consensus import ArticleAgreement, article_agreement
from articles.services.articles import EDITABLE_FIELDS, article_update, articles_delete
from articles.services.claims import appearance_add, claim_create

IMMUTABLE_FIELDS = (
    "source_format",
    "source_name",
    "content_hash",
    "imported_by",
    "created_at",
    "updated_at",
    "claims_found_at",
)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class _ArticleChangeList(DeskChangeList):
    """Lists articles without their bodies, and adds each listed article's annotator agreement,
    for the whole page in one query."""

    def get_queryset(self, request: HttpRequest, exclude_parameters: Any = None) -> Any:
        return article_list_rows(super().get_queryset(request, exclude_parameters))

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        if roles.sees_all_outcomes(request.user):
            agreement = article_agreement(article_ids=[a.pk for a in self.result_list])
            for article in self.result_list:
                article.agreement = agreement.get(article.pk)


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin[Article]):
    # Fits a 1366-pixel window beside the filters: the import date is the default order and a
    # filter, not a column.
    list_display = ("title_col", "publisher", "published_col", "claims", "language")
    list_display_links = ("title_col",)
    list_filter = ("publisher", "language", "source_format")
    search_fields = ("title", "publisher", "author", "url")
    list_select_related = ("imported_by",)
    date_hierarchy = "published_at"
    list_per_page = 50
    paginator = PageKeysPaginator
    show_full_result_count = False
    # No "Show counts" link: facets count every filter value over the whole list on each visit.
    show_facets = admin.ShowFacets.NEVER
    change_form_template = "admin/articles/article/change_form.html"
    formfield_overrides: ClassVar[dict[type[Any], dict[str, Any]]] = {
        models.URLField: {"assume_scheme": "https"}
    }
    fieldsets = (
        (None, {"fields": EDITABLE_FIELDS}),
        ("Source", {"fields": IMMUTABLE_FIELDS, "classes": ("collapse",)}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        return articles_for_admin()

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return _ArticleChangeList

    def get_list_display(self, request: HttpRequest) -> list[Any]:
        columns: list[Any] = list(super().get_list_display(request))
        if roles.sees_all_outcomes(request.user):
            columns.insert(columns.index("claims") + 1, "agreement")
        return columns

    @admin.display(description="Title", ordering="title")
    def title_col(self, obj: Article) -> str:
        """Long headlines are cut to one line (the whole title on hover), so the list fits a
        laptop screen."""
        return format_html('<span class="fc-truncate" title="{}">{}</span>', obj.title, obj.title)

    @admin.display(description="Published", ordering="published_at")
    def published_col(self, obj: Article) -> str:
        """The day only: the time of day is on the article's page."""
        return date_format(localtime(obj.published_at), "j M Y") if obj.published_at else "—"

    # Not sortable: a computed count, which would be computed for every article to sort them.
    @admin.display(description="Claims")
    def claims(self, obj: Article) -> int:
        return int(getattr(obj, "n_claims", 0))

    @admin.display(description="Agreement")
    def agreement(self, obj: Article) -> str:
        value: ArticleAgreement | None = getattr(obj, "agreement", None)
        if value is None or value.alpha is None or not value.measurable:
            return "—"
        return format_html(
            '<span class="fc-alpha fc-alpha-{}" title="Krippendorff\'s alpha over {} claims: {}">'
            "{}</span>",
            value.reading,
            value.n_claims,
            value.reading,
            f"{value.alpha:.2f}",
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Article | None = None) -> list[str]:
        # The body is immutable once imported: claims anchor to offsets in it.
        return list(IMMUTABLE_FIELDS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Articles enter the desk through imports (content hash, cleaning), not a blank form.
        return False

    # Writes go through services.

    def save_model(self, request: HttpRequest, obj: Article, form: Any, change: bool) -> None:
        article_update(
            user=request_user(request),
            article_id=obj.pk,
            **{name: form.cleaned_data[name] for name in EDITABLE_FIELDS},
        )

    def get_deleted_objects(
        self, objs: Any, request: HttpRequest
    ) -> tuple[list[Any], dict[str, int], set[str], list[Any]]:
        # The delete service decides who may delete (and removes the dependent rows itself);
        # the admin's per-model delete permissions on those rows do not apply.
        to_delete, counts, _perms_needed, protected = super().get_deleted_objects(objs, request)
        return to_delete, counts, set(), protected

    def delete_model(self, request: HttpRequest, obj: Article) -> None:
        articles_delete(user=request_user(request), article_ids=[obj.pk])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        articles_delete(
            user=request_user(request), article_ids=queryset.values_list("pk", flat=True)
        )

    def get_urls(self) -> list[URLPattern]:
        urls = [
            path(
                "<int:article_id>/span/",
                self.admin_site.admin_view(self.span_view),
                name="articles_article_span",
            ),
        ]
        return urls + super().get_urls()

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra: dict[str, Any] = dict(extra_context or {})
        article_id = _int(object_id)
        article = Article.objects.filter(pk=article_id).first() if article_id is not None else None
        if article is not None and self.has_view_permission(request, article):
            user = request.user
            appearances = list(article_claims(article_id=article.pk))
            claim_rows = {
                c.pk: c
                for c in claims_for_user(user=user).filter(pk__in={a.claim_id for a in appearances})
            }
            if roles.sees_all_outcomes(user):
                extra["agreement"] = article_agreement(article_ids=[article.pk])[article.pk]
            staff_id = _int(request.GET.get("staff"))
            if staff_id is not None and roles.is_editor(user):
                staffed = Claim.objects.filter(pk=staff_id).first()
                if staffed is not None:
                    extra["staff_claim"] = staffed
                    extra["staff_form"] = StaffClaimForm(
                        initial={"required_annotations": staffed.required_annotations}
                    )
                    extra["staff_url"] = reverse("admin:articles_claim_staff", args=(staff_id,))
            titles = {
                claim_id: _claim_tooltip(claim_row, appearance_text)
                for claim_id, (claim_row, appearance_text) in {
                    a.claim_id: (claim_rows.get(a.claim_id), a.claim.text) for a in appearances
                }.items()
            }
            hrefs = {
                a.claim_id: reverse("admin:articles_claim_change", args=(a.claim_id,))
                for a in appearances
            }
            extra.update(
                highlights=reader_highlights(
                    article_body_segments(article=article), titles=titles, hrefs=hrefs
                ),
                article_appearances=[(a, claim_rows.get(a.claim_id)) for a in appearances],
                can_mark_claims=roles.is_editor(user),
                span_form=SpanForm(),
                span_url=reverse("admin:articles_article_span", args=(article.pk,)),
                autocomplete_url=reverse("admin:autocomplete"),
            )
        return super().change_view(request, object_id, form_url, extra)

    def span_view(self, request: HttpRequest, article_id: int) -> HttpResponse:
        """POST a selected span: create a new claim from it, or attach it to an existing one."""
        return _span_view(request, article_id)


def _claim_tooltip(row: Claim | None, text: str) -> str:
    """A highlight's tooltip: the claim's wording and, as far as the reader may see it, its
    published verdict or its consensus."""
    outcome = ""
    if row is not None:
        verdict = getattr(row, "verdict_label", "") or ""
        status = getattr(row, "consensus_status", "") or ""
        if verdict:
            outcome = f" — verdict: {Label(verdict).label}"
        elif status:
            label = getattr(row, "consensus_label", "") or ""
            shown = f" {Label(label).label}" if label and status != "pending" else ""
            outcome = f" — consensus: {status}{shown}"
    return f"{text}{outcome}"


@require_POST
def _span_view(request: HttpRequest, article_id: int) -> HttpResponse:
    user = require_editor(request)
    article = get_object_or_404(Article, pk=article_id)
    back = reverse("admin:articles_article_change", args=(article.pk,))
    form = SpanForm(request.POST)
    if not form.is_valid():
        problems = form.non_field_errors() or ["The selection could not be read; select it again."]
        for message in problems:
            messages.error(request, str(message))
        return HttpResponseRedirect(back)
    data = form.cleaned_data
    start, end, quote = data["start"], data["end"], data["quote"]
    with service_errors(request) as errors:
        if data["mode"] == "attach":
            appearance = appearance_add(
                user=user,
                claim_id=data["claim_id"],
                article_id=article.pk,
                start=start,
                end=end,
                text=quote,
            )
            claim = appearance.claim
            verb = "Attached the passage to"
            log_desk_action(request, claim, f"Anchored in article {article.pk}: “{quote[:80]}”")
        else:
            claim = claim_create(
                user=user,
                text=data["text"].strip() or quote.strip(),
                claimant=data["claimant"],
                article_id=article.pk,
                start=start,
                end=end,
                quote=quote,
            )
            verb = "Created"
            log_desk_action(request, claim, f"Created from article {article.pk}", added=True)
            # Next step on the same screen: how many annotators, and who.
            back = f"{back}?staff={claim.pk}#fc-staff"
    if not errors:
        messages.success(
            request,
            format_html(
                '{} claim <a href="{}">“{}”</a>.',
                verb,
                reverse("admin:articles_claim_change", args=(claim.pk,)),
                claim,
            ),
        )
    return HttpResponseRedirect(back)
