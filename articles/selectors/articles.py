"""Reads of articles: the admin list and an article's anchored claims."""

from __future__ import annotations

from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce

from articles.models import (
    Article,
    ClaimAppearance,
)
from articles.presentation import Segment, segments_for_spans


def articles_for_admin() -> QuerySet[Article]:
    """Articles, each with
    `n_claims` (distinct claims anchored in it) as a per-row subquery on the appearance index:
    no GROUP BY over every article before the page's LIMIT."""
    n_claims = Subquery(
        ClaimAppearance.objects.filter(article_id=OuterRef("pk"))
        .order_by()
        .values("article_id")
        .annotate(n=Count("claim_id", distinct=True))
        .values("n"),
        output_field=IntegerField(),
    )
    return Article.objects.select_related("imported_by").annotate(n_claims=Coalesce(n_claims, 0))


def article_list_rows(qs: QuerySet[Article]) -> QuerySet[Article]:
    """`qs` for a list of articles: without the body and raw original, which a list never
    shows (PostgreSQL would otherwise fetch both out of TOAST for every row)."""
    return qs.defer("body", "raw")


def article_body_segments(*, article: Article) -> list[Segment]:
    """The article's whole body as segments, every anchored claim highlighted."""
    spans = list(
        ClaimAppearance.objects.filter(article_id=article.pk).values_list(
            "start", "end", "claim_id"
        )
    )
    return segments_for_spans(article.body, spans)


def article_claims(*, article_id: int) -> QuerySet[ClaimAppearance]:
    """The appearances in one article with their claims, in reading order."""
    return (
        ClaimAppearance.objects.filter(article_id=article_id)
        .select_related("claim")
        .order_by("start", "id")
    )
