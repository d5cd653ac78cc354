"""Admin pages whose cost does not follow the table: bounded counts of filtered lists, filters
that list no annotators and no distinct values, sorts served by one index either way, and the
desk-wide counts recounted by their periodic job instead of by a visit."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.admin import paging
from articles.consensus.methods import METHODS
from articles.models import Annotation, Claim, ConsensusStatus, Label
from articles.selectors import counts, snapshots
from articles.selectors.consensus import article_agreement
from articles.selectors.estimates import query_row_estimate
from articles.tasks import desk_snapshots_refresh_task
from tests.admin.conftest import make_consensus, text_of
from tests.factories import (
    AnnotationFactory,
    AnnotatorFactory,
    AssignmentFactory,
    ClaimAppearanceFactory,
    ClaimFactory,
)

pytestmark = pytest.mark.django_db


def _sql(queries):
    return [q["sql"] for q in queries.captured_queries]


# --- counts of filtered lists --------------------------------------------------------------


def test_filtered_list_counts_exactly_up_to_the_cap(client, editor, monkeypatch):
    monkeypatch.setattr(paging, "EXACT_UP_TO", 5)
    for claim in ClaimFactory.create_batch(4):
        make_consensus(claim, status=ConsensusStatus.CONTESTED)
    client.force_login(editor)
    url = reverse("admin:articles_claim_changelist")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"consensus": "contested"})
    cl = response.context["cl"]
    assert cl.result_count == 4
    assert not cl.paginator.estimated
    counted = [sql for sql in _sql(queries) if sql.upper().startswith("SELECT COUNT(")]
    # One count, over at most cap + 1 rows.
    assert len(counted) == 1
    assert "LIMIT 6" in counted[0]


def test_filtered_list_past_the_cap_shows_the_planners_estimate_as_about(
    client, editor, monkeypatch
):
    monkeypatch.setattr(paging, "EXACT_UP_TO", 2)
    monkeypatch.setattr(paging, "query_row_estimate", lambda qs: 1234)
    for claim in ClaimFactory.create_batch(4, text="The fee rose by 40 percent"):
        make_consensus(claim, status=ConsensusStatus.CONTESTED)
    client.force_login(editor)
    url = reverse("admin:articles_claim_changelist")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"consensus": "contested"})
    # No count over the whole filtered set: the only count stops at cap + 1.
    counted = [sql for sql in _sql(queries) if sql.upper().startswith("SELECT COUNT(")]
    assert len(counted) == 1
    assert "LIMIT 3" in counted[0]
    cl = response.context["cl"]
    assert cl.paginator.estimated
    assert cl.result_count == 1234
    assert re.search(r"about 1234</span>\s*claims", text_of(response))
    # The page itself is the first 50 rows, whatever the estimate.
    assert len(cl.result_list) == 4
    # A search's result count says "about" too.
    searched = client.get(url, {"consensus": "contested", "q": "fee"})
    assert re.search(r"about 1234 results", text_of(searched))


def test_estimate_never_below_what_was_counted(client, editor, monkeypatch):
    monkeypatch.setattr(paging, "EXACT_UP_TO", 2)
    monkeypatch.setattr(paging, "query_row_estimate", lambda qs: 1)
    for claim in ClaimFactory.create_batch(4):
        make_consensus(claim, status=ConsensusStatus.CONTESTED)
    client.force_login(editor)
    cl = client.get(reverse("admin:articles_claim_changelist"), {"consensus": "contested"})
    assert cl.context["cl"].result_count == 3


def test_without_an_estimate_a_filtered_list_past_the_cap_counts_exactly(
    client, editor, monkeypatch
):
    monkeypatch.setattr(paging, "EXACT_UP_TO", 2)
    monkeypatch.setattr(paging, "query_row_estimate", lambda qs: None)
    AssignmentFactory.create_batch(4)
    client.force_login(editor)
    response = client.get(reverse("admin:articles_assignment_changelist"), {"state": "open"})
    assert response.context["cl"].result_count == 4
    assert not response.context["cl"].paginator.estimated


def test_query_row_estimate_on_postgresql(postgres):
    claims = ClaimFactory.create_batch(30)
    for claim in claims[:10]:
        make_consensus(claim, status=ConsensusStatus.CONTESTED)
    with postgres.cursor() as cursor:
        cursor.execute("ANALYZE")
    contested = Claim.objects.filter(consensus__status=ConsensusStatus.CONTESTED)
    assert query_row_estimate(contested) == 10
    assert query_row_estimate(Claim.objects.all()) == Claim.objects.count()


# --- filters that do not enumerate -----------------------------------------------------------


@pytest.mark.parametrize("page", ["annotation", "assignment"])
def test_annotator_filter_lists_no_annotators(client, editor, page):
    annotators = [AnnotatorFactory(username=f"rater-{i}") for i in range(5)]
    for a in annotators:
        AnnotationFactory(annotator=a)
        AssignmentFactory(annotator=a)
    client.force_login(editor)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(f"admin:articles_{page}_changelist"))
    html = text_of(response)
    sidebar = html[html.index('id="changelist-filter"') :]
    assert 'name="annotator_name"' in sidebar
    assert "rater-" not in sidebar
    # No query reads the users table for the sidebar (only the visitor and the page's rows).
    user_lists = [
        sql for sql in _sql(queries) if 'FROM "auth_user"' in sql and "ORDER BY" in sql.upper()
    ]
    assert user_lists == []


def test_annotator_filter_finds_by_part_of_the_name_and_by_the_whole_name(client, editor):
    ada, adam, ben = (
        AnnotatorFactory(username="ada"),
        AnnotatorFactory(username="adam"),
        AnnotatorFactory(username="ben"),
    )
    mine = {a: AnnotationFactory(annotator=a, label=Label.FALSE) for a in (ada, adam, ben)}
    AnnotationFactory(annotator=ada, label=Label.VERIFIED)
    client.force_login(editor)
    url = reverse("admin:articles_annotation_changelist")

    def listed(**params):
        response = client.get(url, params)
        assert response.status_code == 200
        return {a.pk for a in response.context["cl"].result_list}

    assert listed(annotator_name="AD") == set(
        Annotation.objects.filter(annotator__in=[ada, adam]).values_list("pk", flat=True)
    )
    # A whole username (any case) is that annotator alone, not every name containing it.
    assert listed(annotator_name="Ada") == set(
        Annotation.objects.filter(annotator=ada).values_list("pk", flat=True)
    )
    assert listed(annotator_name="ada", label__exact="false") == {mine[ada].pk}
    assert listed(annotator_name="nobody") == set()
    assert len(listed(annotator_name="  ")) == Annotation.objects.count()


def test_annotator_filter_keeps_the_other_parameters(client, editor):
    AnnotationFactory(annotator=AnnotatorFactory(username="ada"))
    client.force_login(editor)
    response = client.get(
        reverse("admin:articles_annotation_changelist"),
        {"annotator_name": "ada", "label__exact": "false", "q": "x", "p": "1"},
    )
    html = text_of(response)
    form = html[html.index('class="fc-filter-search"') :]
    form = form[: form.index("</form>")]
    assert '<input type="hidden" name="label__exact" value="false">' in form
    assert '<input type="hidden" name="q" value="x">' in form
    assert 'name="p"' not in form  # a new search starts at the first page
    assert 'name="annotator_name" value="ada"' in form
    assert "\u201cada\u201d" in html  # the search in use, selected


def test_annotator_filter_is_not_offered_to_annotators(client, annotator):
    AnnotationFactory(annotator=annotator)
    client.force_login(annotator)
    html = text_of(client.get(reverse("admin:articles_annotation_changelist")))
    assert 'name="annotator_name"' not in html


def test_consensus_method_filter_comes_from_the_registry(client, editor):
    majority, other = ClaimFactory(), ClaimFactory()
    make_consensus(majority).__class__.objects.filter(claim=majority).update(method="majority")
    make_consensus(other)
    client.force_login(editor)
    url = reverse("admin:articles_consensus_changelist")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert not [sql for sql in _sql(queries) if "DISTINCT" in sql.upper()]
    html = text_of(response)
    for method in METHODS.values():
        assert f"?method={method.name}" in html
    filtered = client.get(url, {"method": "majority"})
    assert [c.claim_id for c in filtered.context["cl"].result_list] == [majority.pk]
    # An unknown method is no filter, not an error.
    assert client.get(url, {"method": "nonsense"}).status_code == 200


# --- sorts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("o", "expected"), [("3", ["status", "pk"]), ("-3", ["-status", "-pk"])])
def test_sorted_list_breaks_ties_in_the_sorts_direction(client, editor, o, expected):
    ClaimFactory.create_batch(3)
    published = ClaimFactory(status=Claim.Status.PUBLISHED)
    client.force_login(editor)
    response = client.get(reverse("admin:articles_claim_changelist"), {"o": o})
    cl = response.context["cl"]
    assert cl.get_ordering(response.wsgi_request, cl.root_queryset) == expected
    keys = [c.pk for c in cl.result_list]
    assert keys == list(Claim.objects.order_by(*expected).values_list("pk", flat=True))
    assert (keys[-1] if o == "3" else keys[0]) == published.pk


def test_the_default_ordering_keeps_its_own_tie_breaker(client, editor):
    ClaimFactory.create_batch(2)
    client.force_login(editor)
    response = client.get(reverse("admin:articles_claim_changelist"))
    cl = response.context["cl"]
    assert cl.get_ordering(response.wsgi_request, cl.root_queryset) == ["-created_at", "-id"]


def _plan(cursor, sql, params=()):
    # On a few rows the planner would rather sort them: make every other way dearer, so the plan
    # reads the index in order only when the index can give that order.
    switches = ("enable_seqscan", "enable_bitmapscan", "enable_sort")
    for switch in switches:
        cursor.execute(f"SET {switch} = off")
    try:
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())
    finally:
        for switch in switches:
            cursor.execute(f"RESET {switch}")


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_claim_status_sort_is_served_by_one_index_both_ways(postgres, direction):
    ClaimFactory.create_batch(3)
    table = Claim._meta.db_table
    with postgres.cursor() as cursor:
        plan = _plan(
            cursor,
            f'SELECT id FROM "{table}" ORDER BY status {direction}, id {direction} LIMIT 50',  # noqa: S608
        )
    assert "claim_status_idx" in plan
    assert "Sort" not in plan


@pytest.mark.parametrize(
    ("state", "index"),
    [("open", "assignment_open_created_idx"), ("closed", "assignment_closed_idx")],
)
def test_assignment_state_filters_have_their_own_index(postgres, state, index):
    AssignmentFactory.create_batch(2)
    with postgres.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [index])
        (indexdef,) = cursor.fetchone()
    assert "completed_at IS NULL" in indexdef
    assert ("closed_at IS NULL" if state == "open" else "closed_at IS NOT NULL") in indexdef
    assert "(created_at, id)" in indexdef


def test_article_agreement_query_selects_no_ordering_columns():
    appearance = ClaimAppearanceFactory()
    AnnotationFactory.create_batch(2, claim=appearance.claim)
    with CaptureQueriesContext(connection) as queries:
        article_agreement(article_ids=[appearance.article_id])
    (sql,) = _sql(queries)
    assert "ORDER BY" not in sql.upper()
    assert "created_at" not in sql


# --- the desk-wide counts ------------------------------------------------------------------


def _age_counts(seconds):
    key = snapshots.snapshot_key(counts.DESK_COUNTS_SNAPSHOT)
    entry = cache.get(key)
    cache.set(key, (entry[0], entry[1] - timedelta(seconds=seconds)), None)


def _scans(queries):
    return [sql for sql in _sql(queries) if sql.upper().startswith("SELECT COUNT(")]


@pytest.fixture
def beat_running():
    """Celery as with real services (workers and beat), for the code that asks."""
    from factcheck.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = previous


def test_with_beat_a_visit_never_recounts_stale_counts(client, editor, request):
    client.force_login(editor)
    ClaimFactory()
    client.get(reverse("admin:index"))  # an empty cache: counted once
    request.getfixturevalue("beat_running")
    assert snapshots.beat_refreshes_snapshots()
    ClaimFactory()
    _age_counts(10 * settings.FACTCHECK_DESK_COUNTS_SECONDS)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:index"))
    assert response.context["desk"]["open_claims"] == 1  # as counted, not recounted
    assert not [sql for sql in _scans(queries) if "articles_claim" in sql]
    assert "Desk-wide counts as of" in text_of(response)
    # The periodic job recounts them.
    desk_snapshots_refresh_task.apply().get()
    assert client.get(reverse("admin:index")).context["desk"]["open_claims"] == 2


def test_without_beat_a_visit_recounts_counts_older_than_the_period(client, editor):
    assert not snapshots.beat_refreshes_snapshots()  # the tests run Celery in process
    client.force_login(editor)
    client.get(reverse("admin:index"))
    ClaimFactory()
    assert client.get(reverse("admin:index")).context["desk"]["open_claims"] == 0  # fresh
    _age_counts(settings.FACTCHECK_DESK_COUNTS_SECONDS + 1)
    assert client.get(reverse("admin:index")).context["desk"]["open_claims"] == 1


def test_counts_are_kept_until_the_next_recount_replaces_them(monkeypatch):
    timeouts = []
    real_set = snapshots.cache.set

    def spy(key, value, timeout=-1, **kwargs):
        timeouts.append(timeout)
        return real_set(key, value, timeout, **kwargs)

    monkeypatch.setattr(snapshots.cache, "set", spy)
    counts.desk_counts_refresh()
    assert timeouts == [None]


def test_beat_runs_the_recount_every_period():
    from factcheck.celery import app

    entry = app.conf.beat_schedule["refresh-desk-snapshots"]
    assert entry["task"] == desk_snapshots_refresh_task.name
    assert entry["schedule"] == settings.FACTCHECK_DESK_COUNTS_SECONDS
    assert entry["options"]["expires"] == settings.FACTCHECK_DESK_COUNTS_SECONDS


@pytest.mark.parametrize(
    "page", ["claim", "article", "annotation", "assignment", "consensus", "verdict"]
)
def test_large_lists_offer_no_facet_counts(client, editor, page):
    for claim in ClaimFactory.create_batch(2):
        make_consensus(claim)
        AnnotationFactory(claim=claim)
    client.force_login(editor)
    url = reverse(f"admin:articles_{page}_changelist")
    assert "_facets" not in text_of(client.get(url))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, {"_facets": "True"}).status_code == 200
    # Facets would count each filter value with a FILTER (WHERE ...) aggregate.
    assert not [sql for sql in _sql(queries) if "FILTER (WHERE" in sql.upper()]
