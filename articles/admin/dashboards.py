"""The dashboards, hosted by the desk's admin site: the overview (editors and viewers), the
claims table with its CSV download, one claim's story, the article reader (every desk role, each
seeing outcomes as `articles.roles` allows) and the annotators' reliability (editors).

Views parse input, call selectors of `articles.selectors.dashboards`, turn their figures into
charts (`articles.charts`) and render."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from articles import charts, roles
from articles.admin.adjudication import may_publish
from articles.admin.common import request_user
from articles.admin.dashboard_filters import ClaimTableFilter
from articles.admin.paging import PageKeysPaginator
from articles.consensus.screening import MIN_RATINGS, NEAR_CHANCE, Screening
from articles.models import Article, Claim, ConsensusStatus, Label
from articles.selectors import dashboards
from articles.selectors.consensus import ArticleAgreement

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

    from articles.admin.site import DeskAdminSite

PAGE_SIZE = 50
ANNOTATORS_PAGE_SIZE = 20
CSV_CHUNK_BYTES = 64 * 1024


def _require_dashboards(request: HttpRequest) -> AbstractBaseUser:
    user = request_user(request)
    if not roles.may_read_dashboards(user):
        raise PermissionDenied
    return user


def _claims_url(**params: str) -> str:
    return f"{reverse('admin:desk-claims')}?{urlencode(params)}"


def _short_day(day: date) -> str:
    return f"{day.day} {day:%b}"


def _daily(
    chart_id: str, title: str, series: list[tuple[date, int]], heading: str, *, width: int = 560
) -> Any:
    return charts.columns(
        chart_id,
        title,
        [charts.Datum(d.isoformat(), _short_day(d), float(n)) for d, n in series],
        value_heading=heading,
        width=width,
    )


# --- overview -------------------------------------------------------------------------------


def overview_view(request: HttpRequest, *, site: DeskAdminSite) -> HttpResponse:
    """The desk at a glance (editors and viewers: it shows every claim's outcome in aggregate
    and the contested queue's head)."""
    user = request_user(request)
    if not roles.sees_all_outcomes(user):
        raise PermissionDenied
    ov = dashboards.desk_overview()
    status_names = dict(Claim.Status.choices)
    consensus_names = {**dict(ConsensusStatus.choices), dashboards.NO_CONSENSUS: "No ratings yet"}
    label_names = dict(Label.choices)
    progress = ov.tallies.progress
    context = {
        **site.desk_context(request, title="Desk overview"),
        "ov": ov,
        "status_chart": charts.hbars(
            "fc-chart-status",
            "Claims by status",
            [
                charts.Datum(
                    key, status_names[key], float(n), f"fc-status-{key}", _claims_url(status=key)
                )
                for key, n in ov.tallies.by_status.items()
            ],
        ),
        "consensus_chart": charts.hbars(
            "fc-chart-consensus",
            "Open claims by consensus",
            [
                charts.Datum(
                    key,
                    consensus_names[key],
                    float(n),
                    f"fc-status-{key}",
                    _claims_url(status=Claim.Status.OPEN, consensus=key),
                )
                for key, n in ov.tallies.by_consensus.items()
            ],
        ),
        "verdict_chart": charts.hbars(
            "fc-chart-verdicts",
            "Published verdicts by label",
            [
                charts.Datum(
                    key, label_names[key], float(n), f"fc-label-{key}", _claims_url(verdict=key)
                )
                for key, n in ov.tallies.by_verdict.items()
            ],
        ),
        "progress_chart": charts.hbars(
            "fc-chart-progress",
            "Open claims by ratings in",
            [
                charts.Datum(
                    "complete",
                    "All required ratings",
                    float(progress.complete),
                    "fc-stage-complete",
                ),
                charts.Datum(
                    "started", "Some ratings", float(progress.started), "fc-stage-started"
                ),
                charts.Datum(
                    "none", "No ratings yet", float(progress.not_started), "fc-stage-none"
                ),
            ],
        ),
        "alpha_chart": charts.line(
            "fc-chart-alpha",
            "Agreement (Krippendorff's alpha) per full recompute",
            [
                charts.Datum(
                    str(run.pk), f"{timezone.localtime(run.finished_at):%d %b %H:%M}", run.alpha
                )
                for run in ov.runs
                if run.alpha is not None
            ],
            value_heading="Alpha",
            reference=(
                (ArticleAgreement.RELIABLE, "reliable"),
                (ArticleAgreement.TENTATIVE, "tentative"),
            ),
        ),
        "annotations_chart": _daily(
            "fc-chart-annotations", "Ratings per day", ov.tallies.annotations_per_day, "Ratings"
        ),
        "publications_chart": _daily(
            "fc-chart-publications",
            "Verdicts published per day",
            ov.tallies.publications_per_day,
            "Verdicts",
        ),
        "may_adjudicate": may_publish(user),
    }
    return TemplateResponse(request, "admin/articles/dashboards/overview.html", context)


# --- claims table ---------------------------------------------------------------------------


def _claim_filter(request: HttpRequest, user: AbstractBaseUser) -> ClaimTableFilter:
    return ClaimTableFilter(
        request.GET or None,
        queryset=dashboards.claims_table(user=user),
        request=request,
        publishers=dashboards.publishers(),
    )


def claims_view(request: HttpRequest, *, site: DeskAdminSite) -> HttpResponse:
    """Every claim the user may list, filtered, sorted and paginated; outcomes masked for blind
    users by the selector."""
    user = _require_dashboards(request)
    filterset = _claim_filter(request, user)
    # The total costs a bounded amount however many claims match ("about" past 1,000), and the
    # page's keys come before its rows' per-row subqueries.
    paginator = PageKeysPaginator(filterset.qs, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = list(page.object_list)
    articles = dashboards.first_articles(claim_ids=[c.pk for c in rows])
    query = request.GET.copy()
    query.pop("page", None)
    article_id = request.GET.get("article", "")
    article = (
        dashboards.article_heading(article_id=int(article_id)) if article_id.isdigit() else None
    )
    context = {
        **site.desk_context(request, title="Claims"),
        "filter": filterset,
        "page": page,
        "rows": [(claim, articles.get(claim.pk, [])) for claim in rows],
        "query": query.urlencode(),
        "csv_url": f"{reverse('admin:desk-claims-csv')}?{query.urlencode()}",
        "article": article,
        "active": sum(
            1 for key, value in request.GET.items() if value and key not in {"page", "sort"}
        ),
        "bands": {b.key: b for b in dashboards.AGREEMENT_BANDS},
    }
    return TemplateResponse(request, "admin/articles/dashboards/claims.html", context)


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        # A spreadsheet would run it as a formula.
        return "'" + value
    return value


def _csv_stream(rows: Iterable[tuple[Any, ...]]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(dashboards.CSV_COLUMNS)
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
        if buffer.tell() >= CSV_CHUNK_BYTES:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def claims_csv_view(request: HttpRequest, *, site: DeskAdminSite) -> HttpResponseBase:
    """The filtered claims table as CSV, streamed from a server-side cursor (memory stays flat
    however many claims match)."""
    user = _require_dashboards(request)
    filterset = _claim_filter(request, user)
    if filterset.is_bound and not filterset.is_valid():
        errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in filterset.errors.items())
        return HttpResponse(f"Invalid filters: {errors}", status=400, content_type="text/plain")
    response = StreamingHttpResponse(
        _csv_stream(dashboards.claims_csv_rows(filterset.qs)), content_type="text/csv"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="claims-{stamp}.csv"'
    return response


# --- one claim ------------------------------------------------------------------------------


def claim_view(request: HttpRequest, *, site: DeskAdminSite, claim_id: int) -> HttpResponse:
    """One claim across outlets: its appearances, ratings, posterior, agreement, verdict
    history and contradictions, as the user may see them."""
    user = _require_dashboards(request)
    try:
        story = dashboards.claim_story(user=user, claim_id=claim_id)
    except Claim.DoesNotExist:
        raise Http404("No such claim.") from None
    posterior = None
    if story.consensus is not None:
        probs = story.consensus.probabilities or {}
        posterior = charts.hbars(
            "fc-chart-posterior",
            "Posterior probability of each label",
            [
                charts.Datum(
                    value, str(name), float(probs.get(value, 0.0) or 0.0), f"fc-label-{value}"
                )
                for value, name in Label.choices
            ],
            fmt=lambda v: f"{v:.0%}",
            value_heading="Probability",
            max_value=1.0,
            width=330,
            label_width=80,
        )
    context = {
        **site.desk_context(request, title=f"Claim #{claim_id}"),
        "story": story,
        "claim": story.claim,
        "posterior": posterior,
        "band": dashboards.agreement_band(story.consensus.agreement if story.consensus else None),
        "is_editor": roles.is_editor(user),
        "may_adjudicate": may_publish(user),
        "is_annotator": roles.is_annotator(user),
    }
    return TemplateResponse(request, "admin/articles/dashboards/claim.html", context)


# --- article reader -------------------------------------------------------------------------


def article_view(request: HttpRequest, *, site: DeskAdminSite, article_id: int) -> HttpResponse:
    """The cleaned article with each claim highlighted by its outcome, and its claims listed."""
    user = _require_dashboards(request)
    try:
        reading = dashboards.article_reading(user=user, article_id=article_id)
    except Article.DoesNotExist:
        raise Http404("No such article.") from None
    context = {
        **site.desk_context(request, title=reading.article.title),
        "reading": reading,
        "article": reading.article,
        "labels": Label.choices,
        "blind": roles.is_blind(user),
        "is_editor": roles.is_editor(user),
    }
    return TemplateResponse(request, "admin/articles/dashboards/article.html", context)


# --- annotators -----------------------------------------------------------------------------


def annotators_view(request: HttpRequest, *, site: DeskAdminSite) -> HttpResponse:
    """Editors: each annotator's volume, pace, agreement, estimated accuracy and confusion
    matrix, spammers and adversarial annotators flagged, most suspect first."""
    user = request_user(request)
    if not roles.is_editor(user):
        raise PermissionDenied
    screened, screened_at = dashboards.annotators_screened()
    tallies, _ = dashboards.overview_tallies_snapshot()
    flagged_only = request.GET.get("flagged") == "1"
    search = request.GET.get("q", "").strip().lower()
    shown = [
        s
        for s in screened
        if (not flagged_only or s.screening in {Screening.SPAMMER, Screening.ADVERSARIAL})
        and (not search or search in s.username.lower() or search in s.name.lower())
    ]
    page = Paginator(shown, ANNOTATORS_PAGE_SIZE).get_page(request.GET.get("page"))
    ids = [s.annotator_id for s in page.object_list]
    work = dashboards.annotators_work(annotator_ids=ids)
    rels = dashboards.reliabilities(annotator_ids=ids)
    names = [str(name) for _, name in Label.choices]
    rows = []
    for s in page.object_list:
        rel = rels.get(s.annotator_id)
        matrix = dashboards.confusion_matrix(rel.confusion) if rel is not None else None
        w = work[s.annotator_id]
        rows.append(
            {
                "s": s,
                "rel": rel,
                "work": w,
                "spark": charts.sparkline(
                    f"fc-spark-{s.annotator_id}",
                    f"Ratings per day by {s.name}",
                    [charts.Datum(d.isoformat(), _short_day(d), float(n)) for d, n in w.per_day],
                ),
                "heatmap": charts.heatmap(
                    f"fc-confusion-{s.annotator_id}",
                    f"Confusion matrix of {s.name}",
                    names,
                    names,
                    matrix,
                    row_heading="true label",
                    col_heading="given label",
                    cell=58,
                )
                if matrix is not None
                else None,
            }
        )
    counts = {key: sum(1 for s in screened if s.screening is key) for key in Screening}
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        **site.desk_context(request, title="Annotators"),
        "rows": rows,
        "page": page,
        "query": query.urlencode(),
        "counts": {key.name.lower(): n for key, n in counts.items()},
        "total": len(screened),
        "screened_at": screened_at,
        "flagged_only": flagged_only,
        "search": request.GET.get("q", ""),
        "near_chance": NEAR_CHANCE,
        "min_ratings": MIN_RATINGS,
        "volume_chart": _daily(
            "fc-chart-volume",
            "Ratings per day, all annotators",
            tallies.annotations_per_day,
            "Ratings",
            width=1100,
        ),
    }
    return TemplateResponse(request, "admin/articles/dashboards/annotators.html", context)
