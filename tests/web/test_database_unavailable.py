"""A database outage shows a "try again" page (503, Retry-After), not a 500."""

import json
import re
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from articles.admin import articles as article_admin
from articles.services.tokens import api_token_issue
from factcheck.middleware import server_error
from tests.conftest import wait_for
from tests.web.servers import TcpProxy, fetch, web_server


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


@pytest.mark.parametrize(
    ("path", "content_type"), [("/admin/", "text/html"), ("/api/v1/claims/", "application/json")]
)
def test_500_handler_answers_503_for_a_database_error_outside_a_view(rf, path, content_type):
    # A query in a middleware (a session saved after the view) never reaches process_exception:
    # Django's 500 handler gives the same "try again" answer.
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = server_error(rf.get(path))
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert response["Content-Type"].startswith(content_type)


@pytest.mark.parametrize(
    ("path", "content_type"), [("/admin/", "text/html"), ("/api/v1/claims/", "application/json")]
)
def test_500_handler_keeps_other_errors_a_500(rf, path, content_type):
    try:
        raise KeyError("bug")
    except KeyError:
        response = server_error(rf.get(path))
    assert response.status_code == 500
    assert response["Content-Type"].startswith(content_type)


def _csrf(base: str) -> tuple[str, str]:
    """The login form's CSRF cookie and token (the login page itself needs no database)."""
    answer = fetch(f"{base}/admin/login/")
    cookie = answer.headers["Set-Cookie"].split(";")[0]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', answer.body)
    assert token is not None
    return cookie, token.group(1).decode()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_database_taken_away_answers_503_everywhere_then_recovers(postgres_url, editor):
    """A real server loses its database (every connection dropped, new ones refused): the
    admin, the desk pages, the admin login and the API answer 503 "try again" (the API in
    JSON); once the database is back the same server answers normally, without a restart."""
    editor.set_password("outage-pass-123")
    editor.save()
    browser = Client()
    browser.force_login(editor)
    session = f"sessionid={browser.cookies['sessionid'].value}"
    key = api_token_issue(user=editor, name="outage").key

    parts = urlsplit(postgres_url)
    proxy = TcpProxy(target=(parts.hostname or "127.0.0.1", parts.port or 5432))
    proxy.restore()
    through_proxy = urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{proxy.port}"))
    env = {"DATABASE_POOL_TIMEOUT": "1"}
    pages = {
        "admin": ("/admin/articles/article/", {"Cookie": session}),
        "desk": ("/admin/desk/overview/", {"Cookie": session}),
        "api token": ("/api/v1/claims/", {"Authorization": f"Token {key}"}),
        "api session": ("/api/v1/claims/", {"Cookie": session}),
    }
    try:
        with web_server("runserver", database_url=through_proxy, env=env) as base:
            for path, headers in pages.values():
                assert fetch(base + path, headers=headers).status == 200

            proxy.cut()
            for name, (path, headers) in pages.items():
                answer = fetch(base + path, headers=headers)
                assert answer.status == 503, name
                assert answer.headers["Retry-After"] == "10", name
                assert b"Traceback" not in answer.body, name
                assert str(proxy.port).encode() not in answer.body, name
                if name.startswith("api"):
                    assert answer.headers["Content-Type"] == "application/json", name
                    assert "Try again" in json.loads(answer.body)["detail"], name
                else:
                    assert b"Try again in a moment" in answer.body, name
            cookie, token = _csrf(base)
            login = fetch(
                f"{base}/admin/login/",
                headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
                data=urlencode(
                    {
                        "username": editor.username,
                        "password": "outage-pass-123",
                        "csrfmiddlewaretoken": token,
                        "next": "/admin/",
                    }
                ).encode(),
            )
            assert login.status == 503
            assert b"Try again in a moment" in login.body

            proxy.restore()
            wait_for(
                lambda: fetch(base + pages["admin"][0], headers=pages["admin"][1]).status == 200,
                timeout=30,
            )
            for path, headers in pages.values():
                assert fetch(base + path, headers=headers).status == 200
    finally:
        proxy.cut()
