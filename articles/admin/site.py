"""The desk's admin site: the Django admin plus the desk pages that are not one model's
(an annotator's queue and annotate screen, the adjudication queue and screen), and the role
cards of the index page.

Installed as the default admin site by `factcheck.apps.DeskAdminConfig`, so `admin.register`
and third-party admin integrations register on it as usual.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path

from articles import roles
from articles.selectors.counts import annotator_queue_count, desk_counted_at, desk_counts


class DeskAdminSite(admin.AdminSite):
    site_header = "factcheck desk"
    site_title = "factcheck"
    index_title = "Fact-check desk"
    index_template = "admin/desk_index.html"
    site_url = None  # the desk has no public site to "view"

    def get_urls(self) -> list[URLResolver | URLPattern]:
        # Imported here: the desk views import ModelAdmin-free modules that need the app
        # registry, which is not ready when the site class is first imported.
        from articles.admin import adjudication, dashboards, queue

        wrap = self.admin_view
        desk: list[URLResolver | URLPattern] = [
            path("desk/queue/", wrap(self._view(queue.queue_view)), name="desk-queue"),
            path(
                "desk/annotate/<int:claim_id>/",
                wrap(self._view(queue.annotate_view)),
                name="desk-annotate",
            ),
            path(
                "desk/contested/",
                wrap(self._view(adjudication.contested_view)),
                name="desk-contested",
            ),
            path(
                "desk/adjudicate/<int:claim_id>/",
                wrap(self._view(adjudication.adjudicate_view)),
                name="desk-adjudicate",
            ),
            path(
                "desk/overview/", wrap(self._view(dashboards.overview_view)), name="desk-overview"
            ),
            path("desk/claims/", wrap(self._view(dashboards.claims_view)), name="desk-claims"),
            path(
                "desk/claims.csv",
                wrap(self._view(dashboards.claims_csv_view)),
                name="desk-claims-csv",
            ),
            path(
                "desk/claims/<int:claim_id>/",
                wrap(self._view(dashboards.claim_view)),
                name="desk-claim",
            ),
            path(
                "desk/articles/<int:article_id>/",
                wrap(self._view(dashboards.article_view)),
                name="desk-article",
            ),
            path(
                "desk/annotators/",
                wrap(self._view(dashboards.annotators_view)),
                name="desk-annotators",
            ),
        ]
        return desk + super().get_urls()

    def _view(self, view: Any) -> Any:
        def bound(request: HttpRequest, **kwargs: Any) -> Any:
            return view(request, site=self, **kwargs)

        bound.__name__ = view.__name__
        bound.__doc__ = view.__doc__
        return bound

    def index(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        user = request.user
        extra = {
            "desk": desk_counts(user=user),
            "desk_counted_at": desk_counted_at(user=user),
            **(extra_context or {}),
        }
        return super().index(request, extra)

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        """The admin's context plus `desk_nav`: the role flags every desk template reads (so no
        template re-derives a rule from group names) and the annotator's queue length for the
        navigation."""
        context = super().each_context(request)
        user = request.user
        nav: dict[str, Any] = {
            "is_editor": roles.is_editor(user),
            "is_annotator": roles.is_annotator(user),
            "sees_all_outcomes": roles.sees_all_outcomes(user),
            "reads_dashboards": roles.may_read_dashboards(user),
        }
        if nav["is_annotator"] and user.is_authenticated:
            nav["queue_count"] = annotator_queue_count(user=user)
        context["desk_nav"] = nav
        return context

    def desk_context(self, request: HttpRequest, *, title: str) -> dict[str, Any]:
        """The context every desk page starts from (the admin's own plus the page title)."""
        return {**self.each_context(request), "title": title}
