"""The editor's and annotator's day: what a walkthrough found, kept fixed."""

import pytest
from django.urls import reverse

from articles.models import ConsensusRun, Label, Verdict
from tests.admin.conftest import login, text_of
from tests.factories import AnnotationFactory

pytestmark = pytest.mark.django_db


def test_editor_starts_a_full_recompute_from_the_runs_page(client, desk):
    login(client, desk.editor)
    page = text_of(client.get(reverse("admin:articles_consensusrun_changelist")))
    assert "Recompute all consensus now" in page
    url = reverse("admin:articles_consensusrun_recompute")
    assert client.get(url).status_code == 405
    before = ConsensusRun.objects.count()
    response = client.post(url, follow=True)
    assert ConsensusRun.objects.count() == before + 1  # eager here: the job ran
    assert "Full recompute started" in text_of(response)


def test_viewers_see_runs_but_cannot_start_one(client, desk):
    login(client, desk.viewer)
    page = text_of(client.get(reverse("admin:articles_consensusrun_changelist")))
    assert "Recompute all consensus now" not in page
    assert client.post(reverse("admin:articles_consensusrun_recompute")).status_code == 403


def test_my_queue_is_in_the_navigation_for_annotators_only(client, desk):
    login(client, desk.a2)
    page = text_of(client.get(reverse("admin:articles_claim_changelist")))
    assert 'id="fc-nav-queue"' in page
    assert "My queue (1)" in page
    login(client, desk.editor)
    assert 'id="fc-nav-queue"' not in text_of(client.get(reverse("admin:index")))


def test_annotators_claim_rows_open_the_annotate_screen(client, desk):
    login(client, desk.a2)
    page = text_of(client.get(reverse("admin:articles_claim_changelist")))
    assert reverse("admin:desk-annotate", args=[desk.claim.pk]) in page
    # A claim not assigned to them opens its read-only page instead (no link to a 403).
    assert reverse("admin:desk-annotate", args=[desk.other.pk]) not in page
    assert reverse("admin:articles_claim_change", args=[desk.other.pk]) in page


def test_no_history_link_for_those_who_may_not_open_history(client, desk):
    login(client, desk.a1)
    page = text_of(client.get(reverse("admin:articles_claim_change", args=[desk.claim.pk])))
    assert reverse("admin:articles_claim_history", args=[desk.claim.pk]) not in page
    login(client, desk.editor)
    page = text_of(client.get(reverse("admin:articles_claim_change", args=[desk.claim.pk])))
    assert reverse("admin:articles_claim_history", args=[desk.claim.pk]) in page


def test_published_verdict_is_shown_as_the_verdict_not_the_consensus(client, desk):
    # The desk's claim: consensus leans false (contested); the editor publishes disputed.
    Verdict.objects.create(
        claim=desk.claim,
        version=1,
        label=Label.DISPUTED,
        is_override=True,
        reason="Outlets disagree on the figure.",
        published_by=desk.editor,
        published_at=desk.verdict.published_at,
    )
    login(client, desk.editor)
    claims = client.get(reverse("admin:articles_claim_changelist"))
    row = claims.context["cl"].result_list.get(pk=desk.claim.pk)
    assert row.verdict_label == Label.DISPUTED
    article = text_of(client.get(reverse("admin:articles_article_change", args=[desk.article.pk])))
    assert "fc-verdict-tag" in article
    assert "fc-label-disputed" in article
    # The annotator who rated it sees the verdict on their screens; a blind one does not.
    login(client, desk.a1)
    annotate = text_of(client.get(reverse("admin:desk-annotate", args=[desk.claim.pk])))
    assert "Published verdict" in annotate
    queue = text_of(client.get(reverse("admin:desk-queue")))
    assert "fc-label-disputed" in queue
    claim_page = text_of(client.get(reverse("admin:articles_claim_change", args=[desk.claim.pk])))
    assert "Outlets disagree on the figure." in claim_page
    login(client, desk.a2)
    annotate = text_of(client.get(reverse("admin:desk-annotate", args=[desk.claim.pk])))
    assert "Published verdict" not in annotate
    assert "Outlets disagree" not in annotate


def test_pending_consensus_reads_as_pending_with_its_count(client, desk):
    desk.consensus.status = "pending"
    desk.consensus.save()
    login(client, desk.editor)
    page = text_of(client.get(reverse("admin:articles_claim_changelist")))
    assert "pending" in page
    assert "(1 of 3 ratings)" in page


def test_untouched_confidence_records_none_and_links_get_a_scheme(client, desk):
    login(client, desk.a2)
    url = reverse("admin:desk-annotate", args=[desk.claim.pk])
    page = text_of(client.get(url))
    assert 'data-name="confidence"' in page  # the untouched slider submits nothing
    client.post(
        url,
        {
            "label": "verified",
            "rationale": "",
            "evidence_links": "example.org/report",
            "_save": "1",
        },
    )
    mine = desk.claim.annotations.get(annotator=desk.a2)
    assert mine.confidence is None
    assert mine.evidence_links == ["https://example.org/report"]


def test_annotate_form_error_appears_once_at_its_field(client, desk):
    login(client, desk.a2)
    url = reverse("admin:desk-annotate", args=[desk.claim.pk])
    response = client.post(url, {"label": "false", "rationale": "", "_save": "1"})
    assert response.status_code == 200
    assert text_of(response).count("Explain your verdict") == 1
    assert "rationale" in response.context["form"].errors
    AnnotationFactory  # noqa: B018 - keeps the import used by other tests of this module


def test_publishing_warns_about_and_closes_open_assignments(client, desk):
    login(client, desk.editor)
    url = reverse("admin:desk-adjudicate", args=[desk.claim.pk])
    page = text_of(client.get(url))
    # a2, a3 and the two multi-group users were assigned and have not rated.
    assert 'id="fc-still-open"' in page
    assert desk.a2.username in page
    response = client.post(url, {"do": "publish", "label": "false", "reason": ""}, follow=True)
    assert "Closed the open assignments of" in text_of(response)
    closed = desk.claim.assignments.filter(closed_at__isnull=False)
    assert {a.annotator_id for a in closed} == {
        desk.a2.pk,
        desk.a3.pk,
        desk.annotator_viewer.pk,
        desk.annotator_editor.pk,
    }
    assert all("published" in a.close_reason for a in closed)
    # They left the annotators' queues, explicitly.
    login(client, desk.a2)
    assert "My queue (0)" in text_of(client.get(reverse("admin:desk-queue")))
    # Sending the claim back reopens them.
    login(client, desk.editor)
    client.post(url, {"do": "send_back", "extra_annotations": "1"})
    assert not desk.claim.assignments.filter(closed_at__isnull=False).exists()


def test_a_rating_revised_after_seeing_the_consensus_does_not_count_twice(client, desk):
    login(client, desk.a1)  # rated false; the claim has a consensus
    url = reverse("admin:desk-annotate", args=[desk.claim.pk])
    client.get(url)  # the consensus is shown to them now
    desk.annotation.refresh_from_db()
    assert desk.annotation.revealed_at is not None
    client.post(url, {"label": "verified", "rationale": "", "_save": "1"})
    desk.annotation.refresh_from_db()
    assert desk.annotation.label == Label.VERIFIED
    assert desk.annotation.counted_label == Label.FALSE
    assert desk.annotation.revised_after_reveal
    # Editors are shown the revision.
    login(client, desk.editor)
    page = text_of(client.get(reverse("admin:desk-adjudicate", args=[desk.claim.pk])))
    assert "Revised after seeing the consensus" in page


def test_a_revision_before_any_outcome_was_shown_counts(client, desk):
    login(client, desk.a2)
    url = reverse("admin:desk-annotate", args=[desk.claim.pk])
    client.post(url, {"label": "verified", "rationale": "", "_save": "1"})
    client.post(url, {"label": "false", "rationale": "Changed my mind.", "_save": "1"})
    mine = desk.claim.annotations.get(annotator=desk.a2)
    assert (mine.label, mine.counted_label) == (Label.FALSE, Label.FALSE)


def test_new_claim_is_staffed_on_the_same_screen(client, desk):
    login(client, desk.editor)
    article_url = reverse("admin:articles_article_change", args=[desk.article.pk])
    start = desk.article.body.index("Elon")
    end = desk.article.body.index(" on Wednesday")
    response = client.post(
        reverse("admin:articles_article_span", args=[desk.article.pk]),
        {"start": start, "end": end, "quote": desk.article.body[start:end], "mode": "new"},
    )
    assert response.status_code == 302
    assert "?staff=" in response["Location"]
    page = client.get(response["Location"])
    assert 'id="fc-staff"' in text_of(page)
    claim = page.context["staff_claim"]
    # Pick two annotators by hand.
    response = client.post(
        reverse("admin:articles_claim_staff", args=[claim.pk]),
        {"required_annotations": "2", "annotators": [desk.a2.pk, desk.a3.pk], "next": article_url},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == article_url
    claim.refresh_from_db()
    assert claim.required_annotations == 2
    assert set(claim.assignments.values_list("annotator_id", flat=True)) == {desk.a2.pk, desk.a3.pk}
    # The editor's actions are in the admin log ("Recent actions").
    from django.contrib.admin.models import LogEntry

    logged = list(
        LogEntry.objects.filter(object_id=str(claim.pk)).values_list("change_message", flat=True)
    )
    assert any("Created from article" in m for m in logged)
    assert any("assigned to" in m for m in logged)


def test_staffing_by_load_and_bad_input(client, desk):
    login(client, desk.editor)
    claim = desk.other
    url = reverse("admin:articles_claim_staff", args=[claim.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, {"required_annotations": "0"}, follow=True)
    assert "greater than or equal to 1" in text_of(response)
    client.post(url, {"required_annotations": "2"})
    assert claim.assignments.count() == 2  # by load
    login(client, desk.a2)
    assert client.post(url, {"required_annotations": "3"}).status_code == 403


def test_a_retracted_verdict_stands_nowhere(client, desk):
    """One rule for "the verdict that stands": the claim list, the annotator's queue and the
    known answers all drop a verdict once its latest version is retracted."""
    from django.utils import timezone

    from articles.selectors.consensus import claim_known_answer

    verdict = Verdict.objects.create(
        claim=desk.claim,
        version=1,
        label=Label.DISPUTED,
        is_override=True,
        reason="Outlets disagree.",
        published_by=desk.editor,
        published_at=timezone.now(),
    )
    login(client, desk.a1)  # rated the claim
    assert "fc-label-disputed" in text_of(client.get(reverse("admin:desk-queue")))
    Verdict.objects.filter(pk=verdict.pk).update(
        retracted_at=timezone.now(), retraction_reason="Wrong claim."
    )
    queue = client.get(reverse("admin:desk-queue"))
    assert [a.verdict_label for a in queue.context["done"]] == [""]
    login(client, desk.editor)
    claims = client.get(reverse("admin:articles_claim_changelist"))
    assert claims.context["cl"].result_list.get(pk=desk.claim.pk).verdict_label == ""
    assert claim_known_answer(claim_id=desk.claim.pk) == -1
