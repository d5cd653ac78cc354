"""The dashboards: overview, claims table (+ CSV), claim dashboard, article reader, annotators.
Who sees what (the blind rule on every page), filters, bad input, and flat query counts."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.models import (
    AnnotatorReliability,
    Claim,
    ConsensusRun,
    ConsensusStatus,
    ContradictionFlag,
    Label,
    Verdict,
)
from articles.selectors.counts import DESK_COUNTS_SNAPSHOT
from articles.selectors.dashboards import ANNOTATORS_SNAPSHOT, OVERVIEW_SNAPSHOT
from articles.selectors.snapshots import snapshots_forget
from articles.tasks import desk_snapshots_refresh_task
from tests.admin.conftest import SECRET_RATIONALE, login, make_consensus, text_of, user_for_role
from tests.factories import (
    AnnotationFactory,
    AnnotatorFactory,
    ArticleFactory,
    ClaimAppearanceFactory,
    ClaimFactory,
    EditorFactory,
    ViewerFactory,
)

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("admin:desk-overview")
CLAIMS = reverse("admin:desk-claims")
CLAIMS_CSV = reverse("admin:desk-claims-csv")
ANNOTATORS = reverse("admin:desk-annotators")


def claim_url(claim):
    return reverse("admin:desk-claim", args=(claim.pk,))


def article_url(article):
    return reverse("admin:desk-article", args=(article.pk,))


def _confusion(rows):
    labels = Label.values
    return {t: dict(zip(labels, row, strict=True)) for t, row in zip(labels, rows, strict=True)}


PERFECT = _confusion([[1, 0, 0], [0, 1, 0], [0, 0, 1]])
SPAMMER = _confusion([[0.8, 0.1, 0.1], [0.8, 0.1, 0.1], [0.8, 0.1, 0.1]])
ADVERSARY = _confusion([[0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]])


# --- roles and the blind rule -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("viewer", 200),
        ("annotator", 403),
        ("editor", 200),
        ("annotator+viewer", 403),  # blind like any annotator
        ("annotator+editor", 200),
    ],
)
def test_overview_by_role(client, desk, role, status):
    response = login(client, user_for_role(desk, role)).get(OVERVIEW)
    assert response.status_code == status


@pytest.mark.parametrize(
    ("role", "status"),
    [("viewer", 403), ("annotator", 403), ("annotator+viewer", 403), ("editor", 200)],
)
def test_annotators_page_is_for_editors(client, desk, role, status):
    assert login(client, user_for_role(desk, role)).get(ANNOTATORS).status_code == status


def test_overview_shows_the_desk(client, desk):
    ConsensusRun.objects.create(
        method="dawid-skene",
        alpha=0.71,
        n_claims=2,
        started_at=timezone.now() - timedelta(seconds=42),
        finished_at=timezone.now(),
    )
    Claim.objects.filter(pk=desk.other.pk).update(status=Claim.Status.PUBLISHED)
    Claim.objects.filter(pk=desk.claim.pk).update(consensus_stale=True)
    body = text_of(login(client, desk.editor).get(OVERVIEW))
    assert "Claims by status" in body
    assert "Published verdicts by label: Verified 1; Disputed 0; False 0." in body
    assert "Open claims by consensus: Pending 0; Settled 0; Contested 1" in body
    # The contested claim heads the queue, linked to its adjudication screen.
    assert reverse("admin:desk-adjudicate", args=(desk.claim.pk,)) in body
    assert "42 s" in body  # the last run's duration
    assert "0.710" in body
    assert 'id="fc-chart-alpha"' in body
    # A viewer gets the figures, and links to the claim dashboard instead of adjudication.
    client.logout()
    body = text_of(login(client, desk.viewer).get(OVERVIEW))
    assert reverse("admin:desk-adjudicate", args=(desk.claim.pk,)) not in body
    assert claim_url(desk.claim) in body


def test_overview_reads_its_tallies_from_the_snapshot_the_job_recounts(client, desk):
    client = login(client, desk.editor)
    with CaptureQueriesContext(connection) as first:
        assert "Open claims by consensus: Pending 0; Settled 0; Contested 1" in text_of(
            client.get(OVERVIEW)
        )
    Claim.objects.filter(pk=desk.claim.pk).update(status=Claim.Status.PUBLISHED)
    with CaptureQueriesContext(connection) as cached:
        body = text_of(client.get(OVERVIEW))
    # The visit read the counted snapshot: the tallies are as counted, and no scan ran.
    assert "Open claims by consensus: Pending 0; Settled 0; Contested 1" in body
    assert "counts as of" in body
    assert len(cached) < len(first)
    # The periodic job recounts; the next visit shows the change.
    desk_snapshots_refresh_task.delay()
    body = text_of(client.get(OVERVIEW))
    assert "Open claims by consensus: Pending 0; Settled 0; Contested 0" in body
    # The lists beside the tallies are current: the published claim left the contested head.
    assert reverse("admin:desk-adjudicate", args=(desk.claim.pk,)) not in body


@pytest.mark.parametrize("role", ["annotator", "annotator+viewer"])
def test_claim_dashboard_is_blind_before_rating(client, desk, role):
    body = text_of(login(client, user_for_role(desk, role)).get(claim_url(desk.claim)))
    assert desk.claim.text in body
    assert "Blind until you rate it" in body
    assert SECRET_RATIONALE not in body
    assert "dawid-skene" not in body
    assert "fc-chart-posterior" not in body
    assert "55%" not in body  # the posterior


def test_claim_dashboard_after_rating_shows_ratings_without_names(client, desk):
    AnnotationFactory(claim=desk.claim, annotator=desk.a2, label=Label.DISPUTED)
    body = text_of(login(client, desk.a2).get(claim_url(desk.claim)))
    assert SECRET_RATIONALE in body
    assert "Annotator A" in body
    assert "You" in body
    assert desk.a1.username not in body
    assert "fc-chart-posterior" in body
    assert "accuracy 90%" in body  # the other annotator's estimated reliability


def test_claim_dashboard_editor_sees_everything(client, desk):
    article2 = ArticleFactory(publisher="Other Outlet", body="Musk threatened to sue Microsoft.")
    ClaimAppearanceFactory(claim=desk.claim, article=article2, start=0, end=4, quote="Musk")
    ContradictionFlag.objects.create(
        claim=desk.claim,
        kind=ContradictionFlag.Kind.DATE,
        first_article=desk.article,
        first_start=0,
        first_end=4,
        first_values=["Wednesday"],
        second_article=article2,
        second_start=0,
        second_end=4,
        second_values=["Thursday"],
    )
    Verdict.objects.create(
        claim=desk.claim,
        version=1,
        label=Label.FALSE,
        published_by=desk.editor,
        published_at=timezone.now(),
        retracted_at=timezone.now(),
        retraction_reason="Published too early",
    )
    Verdict.objects.create(
        claim=desk.claim,
        version=2,
        label=Label.DISPUTED,
        is_override=True,
        reason="Sources disagree on the dataset",
        published_by=desk.editor,
        published_at=timezone.now(),
    )
    body = text_of(login(client, desk.editor).get(claim_url(desk.claim)))
    assert SECRET_RATIONALE in body
    assert desk.a1.username in body
    assert "Across outlets (2)" in body
    assert "Other Outlet" in body
    assert "Contradictions between appearances (1)" in body
    assert "Thursday" in body
    assert "Sources disagree on the dataset" in body
    assert "Published too early" in body
    assert "Posterior probability of each label: Verified 10%; Disputed 35%; False 55%." in body
    assert reverse("admin:desk-adjudicate", args=(desk.claim.pk,)) in body


def test_claim_dashboard_viewer_sees_outcome_not_who_rated(client, desk):
    body = text_of(login(client, desk.viewer).get(claim_url(desk.claim)))
    assert "fc-chart-posterior" in body
    assert SECRET_RATIONALE not in body
    assert "Who rated what is shown to editors" in body


def test_claim_dashboard_unknown_claim_is_404(client, desk):
    assert (
        login(client, desk.editor).get(reverse("admin:desk-claim", args=(999999,))).status_code
        == 404
    )


def test_article_reader_colours_by_verdict_then_consensus(client, desk):
    start = desk.article.body.index("Elon")
    ClaimAppearanceFactory(
        claim=desk.other, article=desk.article, start=start, end=start + 9, quote="Elon Musk"
    )
    body = text_of(login(client, desk.editor).get(article_url(desk.article)))
    assert 'class="fc-hl fc-hl-verdict fc-label-verified"' in body  # the published verdict
    assert 'class="fc-hl fc-hl-consensus fc-label-false"' in body  # contested, labelled false
    assert "consensus (contested): False" in body  # tooltip
    assert f'href="{claim_url(desk.claim)}"' in body
    assert "Claims in this article (2)" in body


@pytest.mark.parametrize("role", ["annotator", "annotator+viewer"])
def test_article_reader_is_blind(client, desk, role):
    body = text_of(login(client, user_for_role(desk, role)).get(article_url(desk.article)))
    assert 'class="fc-hl fc-hl-hidden"' in body
    assert "fc-label-false" not in body.split('id="fc-reader-body"')[1]
    assert "outcome hidden until you rate it" in body


def test_article_reader_unknown_article_is_404(client, desk):
    assert (
        login(client, desk.viewer).get(reverse("admin:desk-article", args=(99999,))).status_code
        == 404
    )


# --- the claims table -------------------------------------------------------------------------


def _ids(response):
    return [claim.pk for claim, _ in response.context["rows"]]


def test_claims_table_filters(client, desk):
    login(client, desk.editor)
    assert set(_ids(client.get(CLAIMS))) == {desk.claim.pk, desk.other.pk}
    assert _ids(client.get(CLAIMS, {"verdict": "verified"})) == [desk.other.pk]
    assert _ids(client.get(CLAIMS, {"verdict": "none"})) == [desk.claim.pk]
    assert _ids(client.get(CLAIMS, {"consensus": "contested"})) == [desk.claim.pk]
    assert _ids(client.get(CLAIMS, {"consensus": "none"})) == [desk.other.pk]
    assert _ids(client.get(CLAIMS, {"agreement": "medium"})) == [desk.claim.pk]
    assert _ids(client.get(CLAIMS, {"agreement": "high"})) == []
    assert _ids(client.get(CLAIMS, {"article": desk.article.pk})) == [desk.claim.pk]
    assert _ids(client.get(CLAIMS, {"publisher": desk.article.publisher})) == [desk.claim.pk]
    assert _ids(client.get(CLAIMS, {"annotator": desk.a1.username})) == [desk.claim.pk]
    assert _ids(client.get(CLAIMS, {"q": "twitter DATA"})) == [desk.claim.pk]
    today = timezone.localdate()
    assert len(_ids(client.get(CLAIMS, {"since": today.isoformat()}))) == 2
    assert _ids(client.get(CLAIMS, {"until": (today - timedelta(days=1)).isoformat()})) == []
    Claim.objects.filter(pk=desk.other.pk).update(created_at=timezone.now() - timedelta(days=5))
    assert _ids(client.get(CLAIMS, {"sort": "created"}))[0] == desk.other.pk
    assert _ids(client.get(CLAIMS, {"sort": "-progress"}))[0] == desk.claim.pk
    assert _ids(client.get(CLAIMS, {"sort": "agreement"}))[0] == desk.claim.pk


def test_claims_table_bad_input_is_a_clear_error(client, desk):
    login(client, desk.editor)
    response = client.get(CLAIMS, {"since": "2024-05-02", "until": "2024-05-01"})
    assert response.status_code == 200
    assert "The date range ends before it starts." in text_of(response)
    response = client.get(CLAIMS, {"since": "not-a-date", "verdict": "nonsense", "page": "x"})
    assert response.status_code == 200
    assert "Enter a valid date." in text_of(response)
    response = client.get(CLAIMS_CSV, {"agreement": "huge"})
    assert response.status_code == 400
    assert "agreement" in text_of(response)


def test_claims_table_is_blind(client, desk):
    login(client, desk.a2)
    response = client.get(CLAIMS)
    body = text_of(response)
    assert "contested" not in body.split('id="fc-claims-table"')[1]
    # Filters and sorts on outcomes never reveal claims the user has not rated.
    assert _ids(client.get(CLAIMS, {"consensus": "contested"})) == []
    assert _ids(client.get(CLAIMS, {"verdict": "verified"})) == []
    assert _ids(client.get(CLAIMS, {"agreement": "medium"})) == []
    # Who rated what is for editors: the filter is not offered, and the parameter is ignored.
    assert "annotator" not in response.context["filter"].form.fields
    assert set(_ids(client.get(CLAIMS, {"annotator": desk.a1.username}))) == set(_ids(response))
    # Once they have rated it, it shows.
    AnnotationFactory(claim=desk.claim, annotator=desk.a2, label=Label.FALSE)
    assert _ids(client.get(CLAIMS, {"consensus": "contested"})) == [desk.claim.pk]


def _csv(response):
    assert response["Content-Type"] == "text/csv"
    assert "attachment" in response["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_claims_csv_is_the_filtered_list(client, desk):
    ClaimFactory(text="=HYPERLINK(evil)")
    login(client, desk.editor)
    rows = _csv(client.get(CLAIMS_CSV, {"consensus": "contested"}))
    assert [int(r["claim_id"]) for r in rows] == [desk.claim.pk]
    assert rows[0]["consensus_label"] == "false"
    assert rows[0]["ratings"] == "1"
    rows = _csv(client.get(CLAIMS_CSV, {"q": "HYPERLINK"}))
    assert rows[0]["text"] == "'=HYPERLINK(evil)"  # not a formula in a spreadsheet


def test_claims_csv_is_blind(client, desk):
    login(client, desk.a2)
    rows = {int(r["claim_id"]): r for r in _csv(client.get(CLAIMS_CSV))}
    assert rows[desk.claim.pk]["consensus_label"] == ""
    assert rows[desk.claim.pk]["ratings"] == ""
    assert rows[desk.other.pk]["verdict"] == ""


# --- annotators -----------------------------------------------------------------------------


def test_annotators_flags_spammers_and_adversaries(client, desk):
    now = timezone.now()
    for user, confusion in ((desk.a2, SPAMMER), (desk.a3, ADVERSARY)):
        AnnotatorReliability.objects.create(
            annotator=user,
            confusion=confusion,
            accuracy=0.5,
            agreement_with_consensus=0.4,
            n_annotations=50,
            computed_at=now,
        )
    AnnotatorReliability.objects.filter(annotator=desk.a1).update(
        confusion=PERFECT, n_annotations=80
    )
    response = login(client, desk.editor).get(ANNOTATORS)
    body = text_of(response)
    order = [row["s"].username for row in response.context["rows"]][:3]
    assert order == [desk.a3.username, desk.a2.username, desk.a1.username]
    assert "Adversarial: below chance" in body
    assert "Spammer: near chance" in body
    assert "Confusion matrix of" in body
    flagged = login(client, desk.editor).get(ANNOTATORS, {"flagged": "1"})
    assert {row["s"].username for row in flagged.context["rows"]} == {
        desk.a2.username,
        desk.a3.username,
    }


def test_annotators_screening_is_a_snapshot_the_job_recounts(client, desk):
    client = login(client, desk.editor)
    assert "Spammer: near chance" not in text_of(client.get(ANNOTATORS))
    AnnotatorReliability.objects.create(
        annotator=desk.a2,
        confusion=SPAMMER,
        accuracy=0.5,
        agreement_with_consensus=0.4,
        n_annotations=50,
        computed_at=timezone.now(),
    )
    # Screened as of the first visit: the new estimate waits for the periodic recount.
    assert "Spammer: near chance" not in text_of(client.get(ANNOTATORS))
    desk_snapshots_refresh_task.delay()
    response = client.get(ANNOTATORS, {"flagged": "1"})
    assert "Spammer: near chance" in text_of(response)
    assert [row["s"].username for row in response.context["rows"]] == [desk.a2.username]


def test_annotators_median_time_per_rating(client, desk):
    base = timezone.now() - timedelta(hours=2)
    claims = ClaimFactory.create_batch(4)
    for minutes, claim in zip((0, 2, 6, 90), claims, strict=True):
        annotation = AnnotationFactory(claim=claim, annotator=desk.a2)
        type(annotation).objects.filter(pk=annotation.pk).update(
            created_at=base + timedelta(minutes=minutes)
        )
    response = login(client, desk.editor).get(ANNOTATORS, {"q": desk.a2.username})
    (row,) = response.context["rows"]
    # Gaps of 2 and 4 minutes; the 84-minute gap starts a new sitting.
    assert row["work"].median_seconds == 180
    assert row["work"].total == 4
    assert "3 min" in text_of(response)


# --- query counts ---------------------------------------------------------------------------


def _grow(n, *, article, annotators, editor):
    for i in range(n):
        claim = ClaimFactory()
        ClaimAppearanceFactory(
            claim=claim, article=article, start=0, end=10, quote=article.body[:10]
        )
        for a in annotators:
            AnnotationFactory(claim=claim, annotator=a, label=Label.values[i % 3])
        make_consensus(
            claim, status=ConsensusStatus.SETTLED if i % 2 else ConsensusStatus.CONTESTED
        )
        if i % 3 == 0:
            Verdict.objects.create(
                claim=claim,
                version=1,
                label="false",
                published_by=editor,
                published_at=timezone.now(),
            )
    for a in annotators:
        AnnotatorReliability.objects.update_or_create(
            annotator=a,
            defaults={"confusion": PERFECT, "n_annotations": n, "computed_at": timezone.now()},
        )
    ConsensusRun.objects.create(
        method="dawid-skene", alpha=0.6, started_at=timezone.now(), finished_at=timezone.now()
    )


def _queries(client, url, params=None):
    # Each measurement counts the desk-wide snapshots afresh (a cached visit is cheaper still).
    snapshots_forget(DESK_COUNTS_SNAPSHOT, OVERVIEW_SNAPSHOT, ANNOTATORS_SNAPSHOT)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
        assert response.status_code == 200
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    return len(ctx)


PAGES = [
    ("overview", lambda d: OVERVIEW, None),
    ("claims", lambda d: CLAIMS, None),
    ("claims-filtered", lambda d: CLAIMS, {"verdict": "false", "sort": "agreement", "q": "a"}),
    ("csv", lambda d: CLAIMS_CSV, None),
    ("claim", lambda d: claim_url(d["claim"]), None),
    ("article", lambda d: article_url(d["article"]), None),
    ("annotators", lambda d: ANNOTATORS, None),
]


@pytest.mark.parametrize(("name", "url", "params"), PAGES, ids=[p[0] for p in PAGES])
@pytest.mark.parametrize("role", ["editor", "viewer", "annotator"])
def test_dashboard_query_counts_are_flat(
    client, name, url, params, role, django_assert_max_num_queries
):
    editor = EditorFactory()
    annotators = AnnotatorFactory.create_batch(3)
    users = {"editor": editor, "viewer": ViewerFactory(), "annotator": annotators[0]}
    article = ArticleFactory()
    _grow(3, article=article, annotators=annotators, editor=editor)
    data = {"claim": Claim.objects.order_by("id").first(), "article": article}
    client.force_login(users[role])
    forbidden = (name == "annotators" and role != "editor") or (
        name == "overview" and role == "annotator"
    )
    expected = 403 if forbidden else 200
    if expected == 403:
        assert client.get(url(data)).status_code == 403
        return
    small = _queries(client, url(data), params)
    _grow(30, article=article, annotators=annotators, editor=editor)
    large = _queries(client, url(data), params)
    assert large == small, f"{name}: {small} queries with 3 claims, {large} with 33"
    with django_assert_max_num_queries(20):
        client.get(url(data), params or {})


def test_claims_table_total_is_bounded_and_says_about_past_the_cap(client, desk, monkeypatch):
    from articles.admin import paging

    monkeypatch.setattr(paging, "EXACT_UP_TO", 2)
    monkeypatch.setattr(paging, "query_row_estimate", lambda qs: 4321)
    ClaimFactory.create_batch(4)
    client = login(client, desk.editor)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CLAIMS, {"status": "open"})
    counts = [
        q["sql"] for q in queries.captured_queries if q["sql"].upper().startswith("SELECT COUNT(")
    ]
    # One count, stopped at the cap + 1; no count over every matching claim.
    assert len(counts) == 1
    assert "LIMIT 3" in counts[0]
    body = text_of(response)
    assert re.search(r"about 4321</span>\s*claims match the filters", body)
    assert "Download CSV (about 4321)" in body
    # The page lists the matching claims themselves.
    assert len(response.context["rows"]) == Claim.objects.filter(status="open").count()
