"""Admin lists bounded by their page: page-keys pagination, estimated totals, the to-do
filter as an anti-join, article lists without bodies, and the open-assignment index."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.admin import paging
from articles.models import Article, Assignment, Claim, ConsensusStatus, Label
from articles.selectors.estimates import table_row_estimate
from tests.admin.conftest import make_consensus, text_of
from tests.factories import (
    AnnotationFactory,
    ArticleFactory,
    AssignmentFactory,
    ClaimAppearanceFactory,
    ClaimFactory,
)

pytestmark = pytest.mark.django_db


def test_claim_list_second_page_is_the_ordering_sliced(client, editor):
    ClaimFactory.create_batch(55)
    client.force_login(editor)
    response = client.get(reverse("admin:articles_claim_changelist"), {"p": 2})
    shown = [claim.pk for claim in response.context["cl"].result_list]
    expected = list(Claim.objects.order_by("-created_at", "-id").values_list("pk", flat=True))
    assert shown == expected[50:]
    # Rows keep their per-row columns.
    assert all(hasattr(claim, "n_appearances") for claim in response.context["cl"].result_list)


def test_claim_list_page_query_count_does_not_grow_with_the_page_number(
    client, editor, django_assert_max_num_queries
):
    ClaimFactory.create_batch(120)
    client.force_login(editor)
    url = reverse("admin:articles_claim_changelist")
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    with django_assert_max_num_queries(len(first.captured_queries) + 1):
        assert client.get(url, {"p": 3}).status_code == 200


def test_blind_annotator_page_rows_stay_masked(client, annotator):
    unseen = ClaimFactory()
    make_consensus(unseen, label=Label.FALSE, status=ConsensusStatus.SETTLED)
    AnnotationFactory(claim=unseen, label=Label.FALSE)
    client.force_login(annotator)
    response = client.get(reverse("admin:articles_claim_changelist"))
    (row,) = response.context["cl"].result_list
    assert row.consensus_label == ""
    assert row.n_annotations is None


def test_my_annotation_filter_todo_and_done(client, annotator):
    rated, todo = ClaimFactory(), ClaimFactory()
    AnnotationFactory(claim=rated, annotator=annotator)
    AnnotationFactory(claim=todo)  # someone else's rating
    client.force_login(annotator)
    url = reverse("admin:articles_claim_changelist")
    pending = client.get(url, {"mine": "todo"}).context["cl"].result_list
    done = client.get(url, {"mine": "done"}).context["cl"].result_list
    assert [c.pk for c in pending] == [todo.pk]
    assert [c.pk for c in done] == [rated.pk]


def test_unfiltered_large_list_counts_by_estimate_and_says_about(
    client, editor, monkeypatch, django_assert_max_num_queries
):
    AssignmentFactory.create_batch(3)
    monkeypatch.setattr(paging, "table_row_estimate", lambda model, using: 1_000_000)
    client.force_login(editor)
    url = reverse("admin:articles_assignment_changelist")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert re.search(r"about 1000000</span>\s*assignments", text_of(response))
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    # A filtered list counts exactly.
    filtered = client.get(url, {"state": "open"})
    assert not filtered.context["cl"].paginator.estimated
    assert filtered.context["cl"].result_count == 3


def test_small_or_non_postgres_tables_count_exactly(client, editor):
    AssignmentFactory.create_batch(2)
    client.force_login(editor)
    response = client.get(reverse("admin:articles_assignment_changelist"))
    assert response.context["cl"].result_count == 2
    assert not response.context["cl"].paginator.estimated


def test_assignment_list_has_no_date_hierarchy(client, editor):
    AssignmentFactory()
    client.force_login(editor)
    response = client.get(reverse("admin:articles_assignment_changelist"))
    assert response.context["cl"].date_hierarchy is None


def test_article_list_counts_claims_without_loading_bodies(client, editor):
    article = ArticleFactory()
    ArticleFactory()
    for _ in range(2):
        ClaimAppearanceFactory(article=article)
    client.force_login(editor)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:articles_article_changelist"))
    counts = {a.pk: a.n_claims for a in response.context["cl"].result_list}
    assert counts[article.pk] == 2
    assert sorted(counts.values()) == [0, 2]
    table = Article._meta.db_table
    for query in queries.captured_queries:
        sql = query["sql"]
        assert f'"{table}"."body"' not in sql
        assert f'GROUP BY "{table}"' not in sql


def test_table_row_estimate_on_postgresql(postgres):
    AssignmentFactory.create_batch(3)
    with postgres.cursor() as cursor:
        cursor.execute(f'ANALYZE "{Assignment._meta.db_table}"')
    assert table_row_estimate(Assignment) == 3


def test_open_assignment_index_serves_the_queue_count(postgres, annotator):
    AssignmentFactory.create_batch(3, annotator=annotator)
    with postgres.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        table = Assignment._meta.db_table
        cursor.execute(
            f'EXPLAIN SELECT id FROM "{table}" WHERE annotator_id = %s '  # noqa: S608
            "AND completed_at IS NULL AND closed_at IS NULL ORDER BY created_at, id",
            [annotator.pk],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'assignment_open_idx'")
        (indexdef,) = cursor.fetchone()
    # An index on the annotator serves the count (which one the planner picks on three rows
    # varies); the open-assignment index exists with the open rule as its predicate.
    assert "Seq Scan" not in plan
    assert "annotator_id" in plan
    assert "completed_at IS NULL" in indexdef
    assert "closed_at IS NULL" in indexdef


def test_annotator_queue_is_paginated(client, annotator, django_assert_max_num_queries):
    from articles.admin.queue import QUEUE_PER_PAGE

    AssignmentFactory.create_batch(QUEUE_PER_PAGE + 3, annotator=annotator)
    client.force_login(annotator)
    url = reverse("admin:desk-queue")
    first = client.get(url)
    assert len(first.context["queue"]) == QUEUE_PER_PAGE
    assert f"To annotate ({QUEUE_PER_PAGE + 3})" in text_of(first)
    with django_assert_max_num_queries(12):
        second = client.get(url, {"page": 2})
    assert len(second.context["queue"]) == 3
    assert "Page 2 of 2" in text_of(second)
