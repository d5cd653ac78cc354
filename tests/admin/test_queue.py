"""The annotator's desk pages: the queue and the annotate screen."""

import pytest
from django.urls import reverse

from articles.models import (
    Annotation,
    Claim,
    Label,
)
from tests.admin.conftest import text_of
from tests.factories import (
    AssignmentFactory,
)

pytestmark = pytest.mark.django_db


def test_annotate_save_and_next_goes_to_the_next_claim(client, desk):
    second = AssignmentFactory(annotator=desk.a3)
    client.force_login(desk.a3)
    response = client.post(
        reverse("admin:desk-annotate", args=[desk.claim.pk]),
        {"label": "verified", "confidence": "90", "_next": "1"},
    )
    assert response["Location"] == reverse("admin:desk-annotate", args=[second.claim_id])


def test_annotation_is_frozen_once_published(client, desk):
    Claim.objects.filter(pk=desk.claim.pk).update(status=Claim.Status.PUBLISHED)
    client.force_login(desk.a1)
    url = reverse("admin:desk-annotate", args=[desk.claim.pk])
    assert "can no longer change" in text_of(client.get(url))
    client.post(url, {"label": "verified"})
    assert Annotation.objects.get(pk=desk.annotation.pk).label == Label.FALSE


def test_editor_sees_history_of_annotation_changes(client, desk):
    from articles.services.annotations import annotation_submit

    annotation_submit(user=desk.a2, claim_id=desk.claim.pk, label="verified")
    annotation_submit(user=desk.a2, claim_id=desk.claim.pk, label="false", rationale="Changed.")
    annotation = Annotation.objects.get(annotator=desk.a2)
    client.force_login(desk.editor)
    body = text_of(client.get(reverse("admin:articles_annotation_history", args=[annotation.pk])))
    assert desk.a2.username in body
    assert "verified" in body.lower()
    assert "false" in body.lower()
