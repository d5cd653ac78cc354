"""The verdict export: CSV and JSON Lines streamed from a cursor, ClaimReview JSON-LD with
exactly the listed fields, format by `?format=` or Accept, throttled per token."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from django.core.cache import cache

from articles.api import streaming, views
from articles.models import Label, Verdict
from articles.selectors import exports
from tests.api.conftest import consensus_for, token_client, verdict_for
from tests.factories import ArticleFactory, ClaimAppearanceFactory, ClaimFactory, EditorFactory


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


def _counting(real, pulled):
    def reader(qs, **kwargs):
        for piece in real(qs, **kwargs):
            pulled.append(piece)
            yield piece

    return reader


@pytest.mark.django_db
def test_exports_stream_yields_before_the_query_finishes(editor, settings, monkeypatch):
    """The first chunk leaves while most rows are still unread, from whichever reader the
    database gets: COPY's lines on PostgreSQL, a server-side cursor's rows elsewhere."""
    _verdicts(30)
    settings.FACTCHECK_API_EXPORT_CHUNK_ROWS = 5
    monkeypatch.setattr("articles.api.streaming.CHUNK_BYTES", 1)
    pulled: list[object] = []
    monkeypatch.setattr(
        views.exports, "verdict_export_rows", _counting(exports.verdict_export_rows, pulled)
    )
    monkeypatch.setattr(
        views.exports, "verdict_export_copy", _counting(exports.verdict_export_copy, pulled)
    )
    for fmt in ("csv", "jsonl"):
        pulled.clear()
        stream = iter(token_client(editor).get(f"/api/v1/verdicts/?format={fmt}").streaming_content)
        next(stream)
        assert len(pulled) <= 1
        rest = list(stream)
        assert len(pulled) >= 30
        assert rest


@pytest.mark.django_db
def test_exports_read_by_copy_while_it_runs(postgres, editor, monkeypatch):
    """On PostgreSQL the export is one COPY, read line by line: the first chunk leaves while
    the COPY is still in progress on the connection."""
    from psycopg.pq import TransactionStatus

    _verdicts(12)
    monkeypatch.setattr("articles.api.streaming.CHUNK_BYTES", 1)
    for fmt in ("csv", "jsonl"):
        stream = iter(token_client(editor).get(f"/api/v1/verdicts/?format={fmt}").streaming_content)
        next(stream)
        assert postgres.connection.pgconn.transaction_status == TransactionStatus.ACTIVE
        assert len(list(stream)) == (12 if fmt == "csv" else 11)  # after the header / 1st line
        assert postgres.connection.pgconn.transaction_status != TransactionStatus.ACTIVE


@pytest.mark.django_db
def test_exports_abandoned_copy_leaves_the_connection_usable(postgres, editor, monkeypatch):
    """A client that goes away mid-export: the server closes the response, the COPY is
    cancelled and the connection serves the next query."""
    from django.core import signals
    from django.db import close_old_connections
    from psycopg.pq import TransactionStatus
    from rest_framework.test import APIRequestFactory

    from articles.services.tokens import api_token_issue

    _verdicts(12)
    monkeypatch.setattr("articles.api.streaming.CHUNK_BYTES", 1)
    key = api_token_issue(user=editor, name="abandoned").key
    request = APIRequestFactory().get(
        "/api/v1/verdicts/?format=jsonl", HTTP_AUTHORIZATION=f"Token {key}"
    )
    response = views.VerdictViewSet.as_view({"get": "list"})(request)
    next(iter(response))
    assert postgres.connection.pgconn.transaction_status == TransactionStatus.ACTIVE
    # What a WSGI server does when the client is gone; the test's transaction stays open.
    signals.request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        signals.request_finished.connect(close_old_connections)
    assert postgres.connection.pgconn.transaction_status != TransactionStatus.ACTIVE
    assert Verdict.objects.count() == 12


# Values that CSV and JSON must quote or escape (quotes, backslashes, COPY's own markers, line
# breaks, tabs and other control characters) and characters beyond ASCII.
AWKWARD_TEXTS = (
    'He said "no", then left',
    "back\\slash, \\. and \\N",
    "\\.",
    "line one\nline two",
    "carriage\rreturn",
    "crlf\r\nend",
    "tab\there; form\ffeed; bell\x07; \x01 and \x02; \x1f; del\x7f",
    "Überprüfung: café, 東京 🚀 \u2028 end",
    "  spaces around  ",
)


def _awkward_verdicts():
    """Verdicts whose claims, claimants and reasons are awkward texts; an empty claimant and
    consensus label; a retraction; a whole-second time and microsecond ones."""
    editor = EditorFactory()
    start = datetime(2024, 3, 1, 12, 0, 0, tzinfo=UTC)
    for i, text in enumerate(AWKWARD_TEXTS):
        claim = ClaimFactory(text=text, claimant="" if i == 1 else f'O\'Brien, "{i}"')
        when = start + timedelta(minutes=i, microseconds=0 if i == 0 else 120 * i)
        Verdict.objects.create(
            claim=claim,
            version=1,
            label=Label.values[i % 3],
            is_override=i % 2 == 1,
            reason=AWKWARD_TEXTS[-1 - i] if i % 2 == 1 else "",
            consensus_label="" if i == 2 else Label.values[(i + 1) % 3],
            published_by=editor,
            published_at=when,
            retracted_at=when + timedelta(days=1) if i == 3 else None,
        )


def _expected_records():
    """The export's records as the ORM reads them (newest first), in JSON types."""
    return [
        {
            "id": v.pk,
            "claim_id": v.claim_id,
            "version": v.version,
            "label": v.label,
            "status": "retracted" if v.retracted_at else "published",
            "is_override": v.is_override,
            "reason": v.reason,
            "consensus_label": v.consensus_label,
            "claim_text": v.claim.text,
            "claimant": v.claim.claimant,
            "published_at": v.published_at.isoformat(),
            "retracted_at": v.retracted_at.isoformat() if v.retracted_at else None,
        }
        for v in Verdict.objects.select_related("claim").order_by("-published_at", "-id")
    ]


def _as_csv_cells(record):
    def cell(value):
        if value is None:
            return ""
        return str(value)

    return {key: cell(value) for key, value in record.items()}


def _body(client, path):
    response = client.get(path)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.mark.django_db
def test_exports_keep_awkward_values_intact(editor):
    """Every value survives CSV and JSON Lines as it is in the database (on SQLite through the
    Python writers, on PostgreSQL through COPY)."""
    _awkward_verdicts()
    client = token_client(editor)
    expected = _expected_records()
    rows = _records(_body(client, "/api/v1/verdicts/?format=csv"), "csv")
    assert rows == [_as_csv_cells(record) for record in expected]
    jsonl = _body(client, "/api/v1/verdicts/?format=jsonl")
    assert jsonl.endswith(b"}\n")
    assert _records(jsonl, "jsonl") == expected


def _records(body, fmt):
    text = body.decode()
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(text, newline="")))
    return [json.loads(line) for line in text.split("\n")[:-1]]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "count"),
    [
        ({}, 9),
        ({"label": "false"}, 3),
        ({"status": "retracted"}, 1),
        ({"claimant": "O'Brien, \"3"}, 1),
        ({"all_versions": "true", "published_after": "2024-03-01T12:04:00Z"}, 5),
    ],
)
def test_exports_copy_writes_the_bytes_of_the_python_writers(postgres, editor, query, count):
    """On PostgreSQL, COPY writes the export byte for byte as the Python writers write the rows
    of the cursor (the path SQLite takes), filters included."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _awkward_verdicts()
    client = token_client(editor)
    for fmt in ("csv", "jsonl"):
        path = "/api/v1/verdicts/?" + urlencode({"format": fmt, **query})
        with CaptureQueriesContext(connection) as queries:
            by_copy = _body(client, path)
        assert queries[-1]["sql"].startswith("COPY (")
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(exports, "verdict_export_by_copy", lambda qs: False)
            by_rows = _body(client, path)
        assert by_copy == by_rows
        assert len(_records(by_copy, fmt)) == count


@pytest.mark.django_db
def test_exports_copy_of_nothing(postgres):
    """A queryset that can match nothing gives the header alone (CSV) or nothing (JSON Lines),
    as the Python writers do, without a query."""
    nothing = Verdict.objects.none()
    assert b"".join(exports.verdict_export_copy(nothing, fmt="csv")) == b"".join(
        streaming.csv_chunks(iter([]))
    )
    assert list(exports.verdict_export_copy(nothing, fmt="jsonl")) == []
    assert list(streaming.jsonl_chunks(iter([]))) == []


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
