"""Reading lists and details: payload shape, filters, ordering, pagination, ETags, tombstones
and query counts independent of the list's size."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Claim, Label
from tests.api.conftest import consensus_for, token_client, verdict_for
from tests.factories import (
    AnnotationFactory,
    AnnotatorFactory,
    ArticleFactory,
    AssignmentFactory,
    ClaimAppearanceFactory,
    ClaimFactory,
    EditorFactory,
)


def _published_claims(n, article=None):
    editor = EditorFactory()
    claims = []
    for _ in range(n):
        claim = ClaimFactory()
        ClaimAppearanceFactory(claim=claim, article=article or ArticleFactory())
        consensus_for(claim)
        verdict_for(claim, editor=editor)
        claims.append(claim)
    return claims


@pytest.mark.django_db
def test_reads_verdict_filters(desk, editor):
    client = token_client(editor)
    other_article = ArticleFactory(publisher="Valley Times")
    old = ClaimFactory(claimant="Linda Yaccarino")
    ClaimAppearanceFactory(claim=old, article=other_article)
    verdict_for(old, label=Label.DISPUTED, when=timezone.now() - timedelta(days=10))
    retracted = ClaimFactory()
    verdict_for(retracted, retracted=True)

    def claims(query):
        response = client.get(f"/api/v1/verdicts/?{query}")
        assert response.status_code == 200, response.json()
        return {v["claim"] for v in response.json()["results"]}

    assert claims("label=false") == {desk.unrated.pk}
    assert claims(f"article={other_article.pk}") == {old.pk}
    assert claims("publisher=metro ledger") == {desk.rated.pk, desk.unrated.pk}
    assert claims("claimant=musk") == {desk.rated.pk}
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert claims(f"published_before={since}".replace("+", "%2B")) == {old.pk}
    assert old.pk not in claims(f"published_after={since}".replace("+", "%2B"))
    assert claims("status=retracted") == {retracted.pk}
    assert retracted.pk not in claims("status=published")
    # A syncing client sees the retraction.
    synced = client.get(f"/api/v1/verdicts/?updated_since={since}".replace("+", "%2B")).json()
    statuses = {v["claim"]: v["status"] for v in synced["results"]}
    assert statuses[retracted.pk] == "retracted"
    assert old.pk not in statuses
    bad = client.get("/api/v1/verdicts/?updated_since=yesterday&label=maybe")
    assert bad.status_code == 400
    assert set(bad.json()) == {"updated_since", "label"}


@pytest.mark.django_db
def test_reads_verdict_versions_and_ordering(desk, editor):
    client = token_client(editor)
    verdict_for(desk.rated, version=2, label=Label.DISPUTED)
    current = client.get(f"/api/v1/verdicts/?claim={desk.rated.pk}").json()["results"]
    assert [(v["version"], v["label"]) for v in current] == [(2, "disputed")]
    every = client.get(f"/api/v1/verdicts/?claim={desk.rated.pk}&all_versions=true").json()
    assert [v["version"] for v in every["results"]] == [2, 1]
    ascending = client.get("/api/v1/verdicts/?ordering=published_at").json()["results"]
    times = [v["published_at"] for v in ascending]
    assert times == sorted(times)


@pytest.mark.django_db
def test_reads_verdicts_cursor_pagination(editor):
    _published_claims(5)
    client = token_client(editor)
    seen = []
    url = "/api/v1/verdicts/?page_size=2"
    while url:
        page = client.get(url).json()
        assert "count" not in page  # cursor pagination: no COUNT(*) over the export
        seen += [v["id"] for v in page["results"]]
        url = page["next"]
    assert len(seen) == 5 == len(set(seen))


@pytest.mark.django_db
def test_reads_tombstones_of_deleted_verdicts(desk, editor):
    client = token_client(editor)
    before = timezone.now()
    verdict_id = desk.unrated.verdicts.get().pk
    Claim.objects.filter(pk=desk.unrated.pk).delete()
    gone = client.get("/api/v1/verdicts/deleted/", {"since": before.isoformat()}).json()
    assert [(t["id"], t["claim_id"]) for t in gone["results"]] == [(verdict_id, desk.unrated.pk)]
    later = (timezone.now() + timedelta(seconds=1)).isoformat()
    assert client.get("/api/v1/verdicts/deleted/", {"since": later}).json()["results"] == []
    # A blind annotator learns nothing from tombstones.
    assert token_client(desk.annotator).get("/api/v1/verdicts/deleted/").json()["results"] == []


@pytest.mark.django_db
def test_reads_other_filters(desk, editor):
    client = token_client(editor)
    other = ClaimFactory(status=Claim.Status.OPEN)
    assert [c["id"] for c in client.get("/api/v1/claims/?status=open").json()["results"]] == [
        other.pk
    ]
    in_article = client.get(f"/api/v1/claims/?article={desk.article.pk}").json()["results"]
    assert {c["id"] for c in in_article} == {desk.rated.pk, desk.unrated.pk}
    assert client.get("/api/v1/articles/?publisher=METRO LEDGER").json()["count"] == 1
    own = client.get(f"/api/v1/annotations/?annotator={desk.annotator.pk}").json()
    assert own["count"] == 1
    queue = token_client(desk.annotator).get("/api/v1/assignments/?open=true").json()
    assert [a["claim"] for a in queue["results"]] == [desk.unrated.pk]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/articles/{article}/",
        "/api/v1/claims/{claim}/",
        "/api/v1/verdicts/{verdict}/",
        "/api/v1/verdicts/{verdict}/?format=claimreview",
        "/api/v1/annotations/{annotation}/",
    ],
)
def test_reads_etag_if_none_match(desk, editor, path):
    client = token_client(editor)
    url = path.format(
        article=desk.article.pk,
        claim=desk.rated.pk,
        verdict=desk.rated.verdicts.get().pk,
        annotation=desk.own_annotation.pk,
    )
    first = client.get(url)
    etag = first["ETag"]
    assert first.status_code == 200
    assert etag.startswith('"')
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert client.get(url, HTTP_IF_NONE_MATCH='"stale"').status_code == 200
    Claim.objects.filter(pk=desk.rated.pk).update(text="Reworded claim")
    from articles.models import Article, Verdict

    Article.objects.filter(pk=desk.article.pk).update(title="Retitled")
    Verdict.objects.filter(claim=desk.rated).update(label=Label.FALSE)
    type(desk.own_annotation).objects.filter(pk=desk.own_annotation.pk).update(label="false")
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def _grow(n):
    article = ArticleFactory()
    annotator = AnnotatorFactory()
    for claim in _published_claims(n, article=article):
        AnnotationFactory(claim=claim, annotator=annotator)
        AssignmentFactory(claim=claim, annotator=annotator, completed_at=timezone.now())
    return annotator


def _get(client, path):
    response = client.get(path)
    if response.streaming:
        b"".join(response.streaming_content)
    assert response.status_code == 200
    return response


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "limit"),
    [
        ("/api/v1/articles/", 4),
        ("/api/v1/claims/", 6),
        ("/api/v1/annotations/", 4),
        ("/api/v1/assignments/", 4),
        ("/api/v1/verdicts/", 4),
        ("/api/v1/verdicts/?format=claimreview", 4),
        ("/api/v1/verdicts/?format=csv", 3),
        ("/api/v1/verdicts/?format=jsonl", 3),
        ("/api/v1/import-jobs/", 4),
    ],
)
def test_reads_query_count_constant_in_list_size(path, limit, django_assert_max_num_queries):
    """Token + groups + the page's queries: the same number for 2 rows and for 40."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = token_client(EditorFactory())
    _grow(2)
    _get(client, path)  # the token's last-used time is written once a minute at most
    with CaptureQueriesContext(connection) as small:
        _get(client, path)
    assert len(small) <= limit
    _grow(38)
    with django_assert_max_num_queries(len(small)):
        _get(client, path)
