"""Gold claims in the admin: editors mark them; annotators cannot tell them apart; editors see
each annotator's accuracy on them and why a claim is contested."""

import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from articles.models import AnnotatorReliability, KnownAnswer, Label
from articles.selectors.counts import desk_counts_refresh
from articles.services.known_answers import claim_known_answer_set
from tests.admin.conftest import login, text_of
from tests.factories import AnnotationFactory, AnnotatorFactory

pytestmark = pytest.mark.django_db


def test_editor_marks_and_clears_known_answers_through_the_claim_admin(client, desk):
    login(client, desk.editor)
    changelist = reverse("admin:articles_claim_changelist")
    form = client.post(
        changelist,
        {"action": "mark_known_answer", ACTION_CHECKBOX_NAME: [desk.claim.pk, desk.other.pk]},
    )
    assert "Known answer of the selected claims" in text_of(form)
    client.post(
        changelist,
        {
            "action": "mark_known_answer",
            "apply": "1",
            "label": Label.DISPUTED,
            ACTION_CHECKBOX_NAME: [desk.claim.pk, desk.other.pk],
        },
    )
    assert dict(KnownAnswer.objects.values_list("claim_id", "label")) == {
        desk.claim.pk: "disputed",
        desk.other.pk: "disputed",
    }
    assert desk.claim.text in text_of(client.get(changelist + "?known_answer__label=disputed"))
    client.post(changelist, {"action": "clear_known_answer", ACTION_CHECKBOX_NAME: [desk.claim.pk]})
    assert list(KnownAnswer.objects.values_list("claim_id", flat=True)) == [desk.other.pk]


def _page(client, url):
    # The CSRF token changes with every response; nothing else should.
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text_of(client.get(url)))


def test_annotators_cannot_tell_a_gold_claim_from_any_other(client, desk):
    # Marking a claim gold changes nothing any of an annotator's screens shows.
    pages = [
        reverse("admin:desk-queue"),
        reverse("admin:desk-annotate", args=[desk.claim.pk]),
        reverse("admin:articles_claim_change", args=[desk.claim.pk]),
        reverse("admin:articles_claim_changelist"),
        reverse("admin:index"),
    ]
    login(client, desk.a3)
    before = [_page(client, url) for url in pages]
    claim_known_answer_set(user=desk.editor, claim_id=desk.claim.pk, label=Label.VERIFIED)
    after = [_page(client, url) for url in pages]
    for url, old, new in zip(pages, before, after, strict=True):
        assert new == old, url
        assert "gold" not in new.lower(), url
        assert "known answer" not in new.lower(), url
    assert desk.claim.text in after[0]  # it is in the queue like any claim
    # Nor can they filter by it through a hand-made query string.
    query = "?known_answer__label=verified"
    assert client.get(reverse("admin:articles_claim_changelist") + query).status_code == 400


def test_reliability_admin_shows_accuracy_on_known_answers(client, desk):
    AnnotatorReliability.objects.filter(pk=desk.reliability.pk).update(gold_accuracy=0.75, n_gold=8)
    login(client, desk.editor)
    body = text_of(client.get(reverse("admin:articles_annotatorreliability_changelist")))
    assert "Accuracy on known answers" in body
    assert "75% of 8" in body


def test_contested_queue_says_why(client, desk):
    # desk.claim: consensus 'false' at 55%; a1 said false, a2 disagrees with 'verified'.
    AnnotationFactory(claim=desk.claim, annotator=desk.a2, label=Label.VERIFIED)
    AnnotatorReliability.objects.create(
        annotator=desk.a2,
        accuracy=0.41,
        gold_accuracy=0.5,
        n_gold=6,
        n_annotations=30,
        computed_at=timezone.now(),
    )
    login(client, desk.editor)
    body = text_of(client.get(reverse("admin:desk-contested")))
    assert "Confidence 55%, needs 80%" in body
    assert f"{desk.a2.username}: " in body
    assert "accuracy 41% · on gold 50% of 6" in body
    assert f"{desk.a1.username}: " not in body  # agrees with the consensus label


def test_contested_queue_query_count_does_not_grow_with_dissenters(
    client, desk, django_assert_max_num_queries
):
    for _ in range(6):
        AnnotationFactory(claim=desk.claim, annotator=AnnotatorFactory(), label=Label.VERIFIED)
    login(client, desk.editor)
    desk_counts_refresh()  # the page's totals come from the cached desk counts
    with django_assert_max_num_queries(12):
        assert client.get(reverse("admin:desk-contested")).status_code == 200
