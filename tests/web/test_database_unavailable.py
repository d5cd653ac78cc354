"""A database outage shows a "try again" page (503, Retry-After), not a 500."""

import pytest
from django.db import OperationalError
from django.urls import reverse

from articles.admin import articles as article_admin


@pytest.mark.django_db
def test_database_outage_answers_503_try_again(client, editor, monkeypatch):
    client.force_login(editor)

    def down(self, request):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    monkeypatch.setattr(article_admin.ArticleAdmin, "get_queryset", down)

    response = client.get(reverse("admin:articles_article_changelist"))

    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert b"Try again in a moment" in response.content
    assert b"127.0.0.1" not in response.content


@pytest.mark.django_db
def test_other_errors_are_not_hidden_as_an_outage(client, editor, monkeypatch):
    client.force_login(editor)
    client.raise_request_exception = False

    def bug(self, request):
        raise KeyError("bug")

    monkeypatch.setattr(article_admin.ArticleAdmin, "get_queryset", bug)

    assert client.get(reverse("admin:articles_article_changelist")).status_code == 500
