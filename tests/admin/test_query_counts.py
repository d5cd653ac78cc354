"""Query counts of the admin's list pages and desk pages: flat in the number of rows."""

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import (
    ConsensusRun,
    ConsensusStatus,
    Verdict,
)
from tests.admin.conftest import make_consensus
from tests.factories import (
    AnnotationFactory,
    AnnotatorFactory,
    ArticleFactory,
    AssignmentFactory,
    ClaimAppearanceFactory,
    ClaimFactory,
    EditorFactory,
)

pytestmark = pytest.mark.django_db


# --- query counts --------------------------------------------------------------------------


def _bulk(n):
    annotators = AnnotatorFactory.create_batch(3)
    for _ in range(n):
        claim = ClaimAppearanceFactory().claim
        for a in annotators:
            AssignmentFactory(claim=claim, annotator=a)
            AnnotationFactory(claim=claim, annotator=a)
        make_consensus(claim, status=ConsensusStatus.SETTLED)
        Verdict.objects.create(
            claim=claim,
            version=1,
            label="false",
            published_by=EditorFactory(),
            published_at=timezone.now(),
        )
        ConsensusRun.objects.create(
            method="dawid-skene",
            n_claims=n,
            alpha=0.5,
            started_at=timezone.now(),
            finished_at=timezone.now(),
        )
    return annotators


@pytest.mark.parametrize(
    "page",
    [
        "claim",
        "annotation",
        "assignment",
        "consensus",
        "verdict",
        "article",
        "annotatorreliability",
        "consensusrun",
    ],
)
@pytest.mark.parametrize("n", [3, 25])
def test_admin_list_pages_query_count_is_flat(client, django_assert_max_num_queries, page, n):
    _bulk(n)
    editor = EditorFactory()
    client.force_login(editor)
    url = reverse(f"admin:articles_{page}_changelist")
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200


def test_annotator_pages_query_count_is_flat(client, django_assert_max_num_queries):
    annotators = _bulk(20)
    client.force_login(annotators[0])
    for url in [
        reverse("admin:articles_claim_changelist"),
        reverse("admin:articles_annotation_changelist"),
        reverse("admin:desk-queue"),
        reverse("admin:index"),
    ]:
        with django_assert_max_num_queries(16):
            assert client.get(url).status_code == 200


def _claim_in_many_places(n, annotators):
    """One claim anchored in n articles, assigned to and rated by every annotator, plus n more
    claims in the first article and n more in each annotator's queue."""
    body = "Officials said the bridge cost 40 million euros. Critics disputed the figure."
    claim = ClaimFactory(required_annotations=len(annotators))
    articles = [ArticleFactory(body=body, content_hash=f"{claim.pk}-{i}") for i in range(n)]
    for article in articles:
        ClaimAppearanceFactory(claim=claim, article=article, start=0, end=48, quote=body[:48])
    for _ in range(n):
        other = ClaimFactory()
        ClaimAppearanceFactory(
            claim=other, article=articles[0], start=49, end=76, quote=body[49:76]
        )
        for a in annotators:
            AssignmentFactory(claim=other, annotator=a)
    for a in annotators:
        AssignmentFactory(claim=claim, annotator=a)
        AnnotationFactory(claim=claim, annotator=a)
    make_consensus(claim, status=ConsensusStatus.CONTESTED)
    return claim, articles[0]


@pytest.mark.parametrize("n", [2, 12])
def test_desk_pages_query_count_is_flat(client, django_assert_max_num_queries, n):
    annotators = AnnotatorFactory.create_batch(3)
    claim, article = _claim_in_many_places(n, annotators)
    for _ in range(n):  # more contested claims in the queue
        make_consensus(ClaimFactory(), status=ConsensusStatus.CONTESTED)
    client.force_login(EditorFactory())
    for url in [
        reverse("admin:desk-adjudicate", args=[claim.pk]),
        reverse("admin:desk-contested"),
        reverse("admin:articles_article_change", args=[article.pk]),
        reverse("admin:index"),
    ]:
        with django_assert_max_num_queries(20):
            assert client.get(url).status_code == 200, url
    client.force_login(annotators[0])
    for url in [
        reverse("admin:desk-annotate", args=[claim.pk]),
        reverse("admin:desk-queue"),
        reverse("admin:articles_article_change", args=[article.pk]),
    ]:
        with django_assert_max_num_queries(20):
            assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("n", [2, 12])
def test_annotation_submit_query_count_is_flat(django_assert_num_queries, n):
    from articles.services.annotations import annotation_submit

    annotators = AnnotatorFactory.create_batch(n)
    claim, _ = _claim_in_many_places(n, annotators[:-1])
    AssignmentFactory(claim=claim, annotator=annotators[-1])
    # The same number for 2 and 12 annotators and places (history rows, the assignment, the
    # stale flag; the database, not full_clean, checks the constraints; the consensus sweep is
    # queued after commit).
    with django_assert_num_queries(11):
        annotation_submit(
            user=annotators[-1], claim_id=claim.pk, label="verified", rationale="Checked."
        )
