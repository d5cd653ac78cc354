"""Every admin write goes through a service: claim and article deletes (one object and the
`delete_selected` action) and article edits."""

from unittest import mock

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from articles.models import Annotation, Article, Claim, ClaimAppearance, Consensus
from tests.admin.conftest import login

pytestmark = pytest.mark.django_db


def test_claim_delete_page_goes_through_the_service(client, desk):
    login(client, desk.editor)
    url = reverse("admin:articles_claim_delete", args=[desk.claim.pk])
    with mock.patch(
        "articles.admin.claims.claims_delete",
        wraps=__import__("articles.services.claims", fromlist=["claims_delete"]).claims_delete,
    ) as service:
        response = client.post(url, {"post": "yes"})
    assert response.status_code == 302
    service.assert_called_once()
    assert not Claim.objects.filter(pk=desk.claim.pk).exists()
    assert not Annotation.objects.filter(claim_id=desk.claim.pk).exists()
    assert not Consensus.objects.filter(claim_id=desk.claim.pk).exists()
    # History records who deleted the claim and its annotation.
    deleted = Claim.history.filter(id=desk.claim.pk, history_type="-").get()
    assert deleted.history_user_id == desk.editor.pk
    gone = Annotation.history.filter(id=desk.annotation.pk, history_type="-").get()
    assert gone.history_user_id == desk.editor.pk


def test_claim_delete_selected_action_goes_through_the_service(client, desk):
    login(client, desk.editor)
    with mock.patch("articles.admin.claims.claims_delete", return_value=2) as service:
        client.post(
            reverse("admin:articles_claim_changelist"),
            {
                "action": "delete_selected",
                "post": "yes",
                ACTION_CHECKBOX_NAME: [desk.claim.pk, desk.other.pk],
            },
        )
    service.assert_called_once()
    assert sorted(service.call_args.kwargs["claim_ids"]) == sorted([desk.claim.pk, desk.other.pk])


def test_article_delete_keeps_claims_and_drops_anchors(client, desk):
    login(client, desk.editor)
    client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "delete_selected", "post": "yes", ACTION_CHECKBOX_NAME: [desk.article.pk]},
    )
    assert not Article.objects.filter(pk=desk.article.pk).exists()
    assert not ClaimAppearance.objects.filter(article_id=desk.article.pk).exists()
    assert Claim.objects.filter(pk=desk.claim.pk).exists()


def test_article_edit_goes_through_the_service(client, desk):
    login(client, desk.editor)
    url = reverse("admin:articles_article_change", args=[desk.article.pk])
    data = {
        "title": "  A corrected headline ",
        "publisher": "Courier",
        "author": "",
        "url": "news.example.org/a",
        "published_at_0": "2024-03-01",
        "published_at_1": "10:00:00",
        "language": "en",
    }
    with mock.patch(
        "articles.admin.articles.article_update",
        wraps=__import__("articles.services.articles", fromlist=["x"]).article_update,
    ) as service:
        response = client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    service.assert_called_once()
    article = Article.objects.get(pk=desk.article.pk)
    assert article.title == "A corrected headline"
    assert article.url == "https://news.example.org/a"
    assert article.body  # untouched
