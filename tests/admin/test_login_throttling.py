"""Login throttling on the admin login (django-axes, issue 15): after FACTCHECK_LOGIN_FAILURE_LIMIT
wrong passwords an account's sign-in is refused, the right password included, until the cool-off
has passed; a success before that resets the count; other accounts are not affected."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import F
from django.test import Client
from django.urls import reverse

from tests.factories import EditorFactory

PASSWORD = "pw-for-tests"  # noqa: S105 - the factories' test password
LOGIN = reverse("admin:login")


def sign_in(client, username, password, **headers):
    return client.post(
        LOGIN, {"username": username, "password": password, "next": "/admin/"}, **headers
    )


def signed_in(response) -> bool:
    return response.status_code == 302 and response.url == "/admin/"


def fail(client, username, times, **headers):
    return [sign_in(client, username, "wrong-password", **headers) for _ in range(times)]


def pass_cooloff(extra=timedelta(seconds=1)):
    """The cool-off runs from the failure that locked the account: move the failures back."""
    shift = settings.AXES_COOLOFF_TIME + extra
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - shift)


@pytest.fixture
def limit():
    return settings.AXES_FAILURE_LIMIT


@pytest.mark.django_db
def test_login_failures_up_to_the_limit_lock_the_account(client, limit):
    editor = EditorFactory()

    answers = fail(client, editor.username, limit)

    # Until the limit: the usual form with its error; the failure that reaches it: the lock page.
    assert [a.status_code for a in answers[:-1]] == [200] * (limit - 1)
    assert answers[-1].status_code == 429
    locked = sign_in(client, editor.username, PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    page = locked.content.decode()
    assert "Sign-in paused" in page
    assert f"after\n    {limit} wrong passwords" in page
    assert f"for\n    {round(settings.AXES_COOLOFF_TIME.total_seconds() / 60)} minutes" in page
    assert editor.username in page
    assert locked["Retry-After"] == str(int(settings.AXES_COOLOFF_TIME.total_seconds()))


@pytest.mark.django_db
def test_login_success_before_the_limit_resets_the_count(client, limit):
    editor = EditorFactory()

    fail(client, editor.username, limit - 1)
    assert signed_in(sign_in(client, editor.username, PASSWORD))
    client.logout()
    answers = fail(client, editor.username, limit - 1)

    assert [a.status_code for a in answers] == [200] * (limit - 1)
    assert signed_in(sign_in(client, editor.username, PASSWORD))


@pytest.mark.django_db
def test_login_locked_account_refuses_the_right_password_until_the_cooloff(client, limit):
    editor = EditorFactory()
    fail(client, editor.username, limit)

    # Attempts during the lock, right or wrong, neither succeed nor extend it.
    assert sign_in(client, editor.username, PASSWORD).status_code == 429
    assert fail(client, editor.username, 2)[-1].status_code == 429
    pass_cooloff(extra=-timedelta(seconds=30))
    assert sign_in(client, editor.username, PASSWORD).status_code == 429

    pass_cooloff()
    assert signed_in(sign_in(client, editor.username, PASSWORD))
    # The count starts again from zero.
    client.logout()
    assert fail(client, editor.username, limit - 1)[-1].status_code == 200


@pytest.mark.django_db
def test_login_lock_leaves_other_accounts_alone(limit):
    locked, other = EditorFactory(), EditorFactory()
    # Same address (127.0.0.1), same browser: the lock is the account's, not the address's.
    client = Client()
    fail(client, locked.username, limit)

    assert signed_in(sign_in(client, other.username, PASSWORD))
    assert sign_in(Client(), locked.username, PASSWORD).status_code == 429


@pytest.mark.django_db
def test_login_lock_is_not_dodged_by_changing_agent_or_address(limit):
    editor = EditorFactory()
    for n in range(limit):
        sign_in(
            Client(), editor.username, "wrong-password",
            HTTP_USER_AGENT=f"agent {n}", REMOTE_ADDR=f"198.51.100.{n + 1}",
        )  # fmt: skip

    answer = sign_in(
        Client(), editor.username, PASSWORD, HTTP_USER_AGENT="new", REMOTE_ADDR="203.0.113.1"
    )

    assert answer.status_code == 429
