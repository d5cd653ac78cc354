"""The verdict export: CSV and JSON Lines streamed from a cursor, ClaimReview JSON-LD with
exactly the listed fields, format by `?format=` or Accept, throttled per token."""

import csv
import io
import json

import pytest
from django.core.cache import cache

from articles.api import views
from articles.models import Label
from articles.selectors import exports
from tests.api.conftest import consensus_for, token_client, verdict_for
from tests.factories import ArticleFactory, ClaimAppearanceFactory, ClaimFactory


def _verdicts(n):
    article = ArticleFactory()
    for _ in range(n):
        claim = ClaimFactory()
        ClaimAppearanceFactory(claim=claim, article=article)
        consensus_for(claim)
        verdict_for(claim)


@pytest.mark.django_db
def test_exports_csv_and_jsonl_rows(desk, editor):
    client = token_client(editor)
    response = client.get("/api/v1/verdicts/?format=csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="verdicts.csv"'
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["claim_id"] for r in rows] == [str(desk.unrated.pk), str(desk.rated.pk)]
    assert rows[0]["label"] == "false"
    assert rows[0]["status"] == "published"
    assert tuple(rows[0]) == exports.EXPORT_COLUMNS
    by_accept = client.get("/api/v1/verdicts/", HTTP_ACCEPT="application/x-ndjson")
    lines = b"".join(by_accept.streaming_content).decode().splitlines()
    assert [json.loads(line)["claim_text"] for line in lines] == [
        desk.unrated.text,
        desk.rated.text,
    ]
    # Errors of a streamed format are JSON; an unknown format is 404.
    bad = client.get("/api/v1/verdicts/?format=csv&label=maybe")
    assert bad.status_code == 400
    assert bad["Content-Type"] == "application/json"
    assert client.get("/api/v1/verdicts/?format=xml").status_code == 404
    assert client.get("/api/v1/verdicts/", HTTP_ACCEPT="application/xml").status_code == 406


@pytest.mark.django_db
def test_exports_stream_yields_before_the_query_finishes(editor, settings, monkeypatch):
    """The first chunk leaves while most rows are still unread from the cursor."""
    _verdicts(30)
    settings.FACTCHECK_API_EXPORT_CHUNK_ROWS = 5
    monkeypatch.setattr("articles.api.streaming.CHUNK_BYTES", 1)
    pulled = []
    real = exports.verdict_export_rows

    def counting(qs, *, chunk_size):
        assert chunk_size == 5
        for row in real(qs, chunk_size=chunk_size):
            pulled.append(row[0])
            yield row

    monkeypatch.setattr(views.exports, "verdict_export_rows", counting)
    for fmt in ("csv", "jsonl"):
        pulled.clear()
        stream = iter(token_client(editor).get(f"/api/v1/verdicts/?format={fmt}").streaming_content)
        next(stream)
        assert len(pulled) <= 1
        rest = list(stream)
        assert len(pulled) == 30
        assert rest


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_exports_use_a_server_side_cursor(postgres, editor, settings, monkeypatch):
    """On PostgreSQL the rows come from a named (server-side) cursor, fetched in chunks."""
    _verdicts(12)
    settings.FACTCHECK_API_EXPORT_CHUNK_ROWS = 5
    monkeypatch.setattr("articles.api.streaming.CHUNK_BYTES", 1)
    stream = iter(token_client(editor).get("/api/v1/verdicts/?format=csv").streaming_content)
    next(stream)
    with postgres.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors WHERE name LIKE '_django_curs_%%'")
        open_cursors = cursor.fetchone()[0]
    list(stream)
    assert open_cursors == 1


@pytest.mark.django_db
def test_exports_claimreview_fields(desk, editor, settings):
    settings.FACTCHECK_CLAIMREVIEW_ORGANIZATION_NAME = "Desk Org"
    settings.FACTCHECK_CLAIMREVIEW_ORGANIZATION_URL = "https://desk.example.org/"
    settings.FACTCHECK_CLAIMREVIEW_URL = "https://desk.example.org/c/{claim_id}"
    client = token_client(editor)
    verdict = desk.unrated.verdicts.get()
    review = client.get(f"/api/v1/verdicts/{verdict.pk}/?format=claimreview")
    assert review["Content-Type"] == "application/ld+json"
    body = review.json()
    article = desk.article
    assert body == {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": desk.unrated.text,
        "reviewRating": {
            "@type": "Rating",
            "alternateName": "False",
            "ratingValue": 1,
            "bestRating": 3,
            "worstRating": 1,
        },
        "itemReviewed": {
            "@type": "Claim",
            "author": {"@type": "Person", "name": "Satya Nadella"},
            "appearance": [
                {
                    "@type": "CreativeWork",
                    "url": article.url,
                    "datePublished": article.published_at.isoformat(),
                }
            ],
        },
        "author": {"@type": "Organization", "name": "Desk Org", "url": "https://desk.example.org/"},
        "datePublished": verdict.published_at.isoformat(),
        "url": f"https://desk.example.org/c/{desk.unrated.pk}",
    }
    by_accept = client.get("/api/v1/verdicts/", HTTP_ACCEPT="application/ld+json").json()
    assert [r["claimReviewed"] for r in by_accept["results"]] == [
        desk.unrated.text,
        desk.rated.text,
    ]


@pytest.mark.django_db
def test_exports_claimreview_lists_standing_verdicts_only(desk, editor):
    retracted = ClaimFactory()
    verdict_for(retracted, retracted=True, label=Label.DISPUTED)
    reviews = token_client(editor).get("/api/v1/verdicts/?format=claimreview").json()["results"]
    assert retracted.text not in {r["claimReviewed"] for r in reviews}


@pytest.mark.django_db
def test_exports_throttled_per_token(desk, editor, settings):
    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "export": "2/minute",
        },
    }
    from rest_framework.throttling import SimpleRateThrottle

    rates = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    try:
        first, second = token_client(editor), token_client(editor)
        assert [first.get("/api/v1/verdicts/").status_code for _ in range(2)] == [200, 200]
        limited = first.get("/api/v1/verdicts/?format=csv")
        assert limited.status_code == 429
        assert "Retry-After" in limited
        assert limited["Content-Type"] == "application/json"
        # The same user's other token has its own allowance; other endpoints are not export.
        assert second.get("/api/v1/verdicts/").status_code == 200
        assert first.get("/api/v1/claims/").status_code == 200
    finally:
        SimpleRateThrottle.THROTTLE_RATES = rates
        cache.clear()
