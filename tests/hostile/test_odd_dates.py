"""One odd date never breaks a page: dates that cannot be loaded are refused on the way in (by the
readers, the import service and a database check), and the extreme dates that can be stored
render on every page that shows them."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from articles.importing.types import ParsedArticle
from articles.models import Article
from articles.services.imports import article_import
from tests.factories import ArticleFactory

MINUS_12 = timezone(timedelta(hours=-12))
PLUS_14 = timezone(timedelta(hours=14))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "published_at",
    [
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=MINUS_12),  # year 10000 in UTC
        datetime(1, 1, 1, 0, 0, tzinfo=PLUS_14),  # year 0 in UTC
    ],
)
def test_article_import_rejects_a_date_that_cannot_be_stored(published_at):
    parsed = ParsedArticle(
        name="odd.json",
        title="Odd date",
        body="A body with a fact.",
        raw="{}",
        source_format="json",
        published_at=published_at,
    )

    result = article_import(parsed=parsed)

    assert result.status == "rejected"
    assert result.reason.startswith("published_at: the date is out of range")
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_database_refuses_a_date_past_year_9999(postgres):
    article = ArticleFactory()

    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE articles_article SET published_at = %s WHERE id = %s",
            ["9999-12-31T23:59:59-12:00", article.pk],
        )


@pytest.mark.django_db
def test_pages_render_the_extreme_dates_that_can_be_stored(client, editor, editor_client):
    latest = ArticleFactory(published_at=datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC))
    earliest = ArticleFactory(published_at=datetime(1, 1, 1, tzinfo=UTC))
    client.force_login(editor)
    changelist = reverse("admin:articles_article_changelist")

    pages = [
        changelist,
        f"{changelist}?published_at__year=9999",
        f"{changelist}?published_at__year=9999&published_at__month=12",
        f"{changelist}?published_at__year=9999&published_at__month=12&published_at__day=31",
        f"{changelist}?published_at__year=1",
        f"{changelist}?published_at__year=10000",
        f"{changelist}?published_at__year=0",
        reverse("admin:articles_article_change", args=[latest.pk]),
        reverse("admin:articles_article_change", args=[earliest.pk]),
    ]
    for url in pages:
        assert client.get(url).status_code in (200, 302), url
    assert editor_client.get(reverse("api:article-list")).status_code == 200
    assert editor_client.get(reverse("api:article-detail", args=[latest.pk])).status_code == 200
