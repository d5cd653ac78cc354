"""Annotator agreement per article: the selector against the krippendorff library, and where the
admin shows it (editors and viewers; not annotators, who rate blind)."""

import krippendorff
import numpy as np
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.models import Label
from articles.selectors.consensus import LABEL_CODE, ArticleAgreement, article_agreement
from tests.factories import (
    AnnotationFactory,
    AnnotatorFactory,
    ArticleFactory,
    ClaimAppearanceFactory,
    ClaimFactory,
)

pytestmark = pytest.mark.django_db

V, D, F = Label.VERIFIED, Label.DISPUTED, Label.FALSE


def _rate(claim, raters, labels):
    for rater, label in zip(raters, labels, strict=True):
        if label is not None:
            AnnotationFactory(claim=claim, annotator=rater, label=label)


def _library_alpha(table):
    """Reference alpha: rows are raters, columns claims, None where a rater skipped one."""
    data = np.array(
        [[np.nan if x is None else LABEL_CODE[x] for x in row] for row in table], dtype=float
    )
    return krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")


@pytest.fixture
def desk():
    raters = [AnnotatorFactory() for _ in range(3)]
    first, second, empty = ArticleFactory(), ArticleFactory(), ArticleFactory()
    shared, split, mixed, lone = (ClaimFactory() for _ in range(4))
    # `shared` is quoted twice in the first article and once in the second.
    for article, claim, start in [
        (first, shared, 0),
        (first, shared, 10),
        (first, split, 0),
        (first, mixed, 0),
        (first, lone, 0),
        (second, shared, 0),
    ]:
        ClaimAppearanceFactory(article=article, claim=claim, start=start)
    _rate(shared, raters, [V, V, V])
    _rate(split, raters, [V, F, F])
    _rate(mixed, raters, [D, D, None])
    _rate(lone, raters, [F, None, None])
    return {"first": first, "second": second, "empty": empty, "raters": raters}


def test_article_agreement_matches_the_krippendorff_library(desk):
    result = article_agreement(article_ids=[desk["first"].pk, desk["second"].pk, desk["empty"].pk])

    first = result[desk["first"].pk]
    expected = _library_alpha(
        [[V, V, D, F], [V, F, D, None], [V, F, None, None]]  # shared, split, mixed, lone
    )
    assert first.alpha == pytest.approx(expected, abs=1e-12)
    assert first.n_claims == 3  # `lone` has one rating: no pairs
    assert first.n_annotations == 9  # `shared` counted once despite two quotes
    # The second article has one unanimous claim: alpha is undefined there.
    second = result[desk["second"].pk]
    assert (second.alpha, second.n_claims, second.n_annotations) == (None, 1, 3)
    assert second.reading == "not enough ratings"
    empty = result[desk["empty"].pk]
    assert (empty.alpha, empty.n_claims, empty.n_annotations) == (None, 0, 0)


@pytest.mark.parametrize(
    ("alpha", "n_claims", "reading"),
    [
        (0.95, 5, "reliable"),
        (0.8, 3, "reliable"),
        (0.7, 5, "tentative"),
        (0.1, 5, "low"),
        (0.0, 1, "not enough ratings"),  # one claim: alpha is 0 whenever anyone disagrees
        (None, 9, "not enough ratings"),
    ],
)
def test_article_agreement_reading(alpha, n_claims, reading):
    agreement = ArticleAgreement(alpha=alpha, n_claims=n_claims, n_annotations=3 * n_claims)
    assert agreement.reading == reading
    assert agreement.measurable == (reading != "not enough ratings")


def test_article_agreement_of_no_articles_runs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert article_agreement(article_ids=[]) == {}


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_article_page_shows_agreement_to_editors_and_viewers(desk, editor, viewer):
    url = reverse("admin:articles_article_change", args=[desk["first"].pk])
    for user in (editor, viewer):
        body = _client(user).get(url).content.decode()
        assert 'id="fc-agreement"' in body
        assert "Krippendorff's alpha over the 3 claims" in body


def test_article_page_hides_agreement_from_annotators(desk):
    rater = desk["raters"][0]
    url = reverse("admin:articles_article_change", args=[desk["first"].pk])
    response = _client(rater).get(url)
    assert response.status_code == 200
    assert 'id="fc-agreement"' not in response.content.decode()


def test_article_list_agreement_column_costs_one_query_per_page(desk, editor):
    client = _client(editor)
    url = reverse("admin:articles_article_changelist")
    body = client.get(url).content.decode()
    assert ">Agreement<" in body
    assert 'class="fc-alpha fc-alpha-' in body
    # More articles with rated claims: the same number of queries.
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for _ in range(4):
        article, claim = ArticleFactory(), ClaimFactory()
        ClaimAppearanceFactory(article=article, claim=claim)
        _rate(claim, desk["raters"], [V, V, F])
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after.captured_queries) == len(before.captured_queries)


def test_article_list_has_no_agreement_column_for_annotators(desk):
    body = _client(desk["raters"][0]).get(reverse("admin:articles_article_changelist"))
    assert ">Agreement<" not in body.content.decode()
