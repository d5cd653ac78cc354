"""Reads of articles: the admin list and an article's anchored claims."""

from __future__ import annotations

from django.db.models import (
    Count,
    QuerySet,
)

from articles.models import (
    Article,
    ClaimAppearance,
)
from articles.presentation import Segment, segments_for_spans


def articles_for_admin() -> QuerySet[Article]:
    """Articles with `n_claims` (distinct claims anchored in them)."""
    return Article.objects.select_related("imported_by").annotate(
        n_claims=Count("appearances__claim", distinct=True)
    )


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
