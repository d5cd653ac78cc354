"""The article admin: the reader with its span tool."""

import pytest
from django.urls import reverse

from articles.models import (
    Claim,
)
from tests.admin.conftest import BODY, text_of

pytestmark = pytest.mark.django_db


# --- the editor's screens ------------------------------------------------------------------


def test_span_form_creates_claim_and_reports_bad_offsets(client, desk):
    client.force_login(desk.editor)
    url = reverse("admin:articles_article_span", args=[desk.article.pk])
    response = client.post(
        url,
        {"mode": "new", "start": 0, "end": 5, "quote": "nowhere to be", "text": "X"},
        follow=True,
    )
    assert "not found in the article" in text_of(response)
    start = BODY.index("called the API fee")
    response = client.post(
        url,
        {
            "mode": "new",
            "start": start - 3,
            "end": start + 15,
            "quote": "called the API fee",
            "text": "The API fee is a scam",
            "claimant": "Elon Musk",
        },
        follow=True,
    )
    claim = Claim.objects.get(text="The API fee is a scam")
    appearance = claim.appearances.get()
    assert appearance.start == start
    assert appearance.quote == "called the API fee"
    assert "Created claim" in text_of(response)
    response = client.post(
        url,
        {"mode": "attach", "claim_id": desk.other.pk, "start": 0, "end": 9, "quote": "Elon Musk"},
        follow=True,
    )
    assert desk.other.appearances.filter(article=desk.article).exists()


def test_article_page_shows_highlighted_body_and_span_tool(client, desk):
    client.force_login(desk.editor)
    body = text_of(client.get(reverse("admin:articles_article_change", args=[desk.article.pk])))
    assert 'id="fc-body"' in body
    assert "<mark" in body
    assert 'id="fc-span-form"' in body
    client.force_login(desk.viewer)
    body = text_of(client.get(reverse("admin:articles_article_change", args=[desk.article.pk])))
    assert "<mark" in body
    assert 'id="fc-span-form"' not in body
