"""The adjudication desk pages."""

import pytest
from django.urls import reverse

from articles.models import (
    Verdict,
)
from tests.admin.conftest import SECRET_RATIONALE, text_of

pytestmark = pytest.mark.django_db


def test_contested_queue_and_adjudicate_page(client, desk):
    client.force_login(desk.editor)
    body = text_of(client.get(reverse("admin:desk-contested")))
    assert desk.claim.text in body
    body = text_of(client.get(reverse("admin:desk-adjudicate", args=[desk.claim.pk])))
    assert SECRET_RATIONALE in body
    assert desk.a1.username in body
    # The consensus leans false: publishing another label needs a reason, shown once, at the
    # reason field.
    response = client.post(
        reverse("admin:desk-adjudicate", args=[desk.claim.pk]),
        {"do": "publish", "label": "verified", "reason": ""},
    )
    assert response.status_code == 200
    assert text_of(response).count("write the reason for the override") == 1
    assert "write the reason" in str(response.context["form"].errors["reason"])
    assert not Verdict.objects.filter(claim=desk.claim).exists()
    # Publishing the consensus label needs none.
    response = client.post(
        reverse("admin:desk-adjudicate", args=[desk.claim.pk]),
        {"do": "publish", "label": "false", "reason": ""},
    )
    assert response.status_code == 302
    assert Verdict.objects.get(claim=desk.claim).is_override is False
