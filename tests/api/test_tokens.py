"""API tokens: several named tokens per user, stored hashed, last-used time, revocation (service,
management command, admin)."""

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from articles.models import ApiToken
from articles.services.tokens import api_token_issue, api_token_revoke, token_digest
from tests.factories import ViewerFactory


def _client(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.mark.django_db
def test_tokens_issue_several_named_stored_hashed(viewer):
    cms = api_token_issue(user=viewer, name="cms")
    warehouse = api_token_issue(user=viewer, name="warehouse")
    assert cms.key != warehouse.key
    row = ApiToken.objects.get(pk=cms.token.pk)
    assert row.key_hash == token_digest(cms.key)
    assert cms.key not in {row.key_hash, row.prefix}
    assert cms.key.startswith(row.prefix)
    with pytest.raises(ValidationError, match="already has an active token"):
        api_token_issue(user=viewer, name="cms")


@pytest.mark.django_db
def test_tokens_authenticate_records_last_use_and_revoke(viewer):
    issued = api_token_issue(user=viewer, name="cms")
    assert issued.token.last_used_at is None
    assert _client(issued.key).get("/api/v1/articles/").status_code == 200
    used = ApiToken.objects.get(pk=issued.token.pk).last_used_at
    assert used is not None
    assert used <= timezone.now()
    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.key}")
    assert bearer.get("/api/v1/articles/").status_code == 200
    api_token_revoke(actor=viewer, token_id=issued.token.pk)
    refused = _client(issued.key).get("/api/v1/articles/")
    assert refused.status_code == 401
    assert refused.json() == {"detail": "Invalid or revoked token."}
    # A revoked name can be issued again.
    assert api_token_issue(user=viewer, name="cms").key != issued.key


@pytest.mark.django_db
def test_tokens_bad_headers_are_401(db):
    for header in ("Token", "Token a b", "Token nope"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=header)
        assert client.get("/api/v1/articles/").status_code == 401


@pytest.mark.django_db
def test_tokens_revoke_only_owner_or_editor(viewer, annotator, editor):
    issued = api_token_issue(user=viewer, name="cms")
    from articles.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        api_token_revoke(actor=annotator, token_id=issued.token.pk)
    assert api_token_revoke(actor=editor, token_id=issued.token.pk).revoked_at


@pytest.mark.django_db
def test_tokens_management_command(viewer):
    out = StringIO()
    call_command("api_token", "issue", "--user", viewer.username, "--name", "cms", stdout=out,
                 stderr=StringIO())  # fmt: skip
    key = out.getvalue().strip()
    assert _client(key).get("/api/v1/verdicts/").status_code == 200
    listing = StringIO()
    call_command("api_token", "list", "--user", viewer.username, stdout=listing)
    assert "cms" in listing.getvalue()
    assert key not in listing.getvalue()
    call_command("api_token", "revoke", "--user", viewer.username, "--name", "cms",
                 stdout=StringIO())  # fmt: skip
    assert _client(key).get("/api/v1/verdicts/").status_code == 401
    with pytest.raises(CommandError, match="no user named"):
        call_command("api_token", "issue", "--user", "ghost", "--name", "x")
    with pytest.raises(CommandError, match="no token with id"):
        call_command("api_token", "revoke", "--id", "999999")


@pytest.mark.django_db
def test_tokens_admin_issue_shows_key_once_and_revokes(client, editor):
    owner = ViewerFactory()
    client.force_login(editor)
    response = client.post(
        "/admin/articles/apitoken/add/", {"user": owner.pk, "name": "cms"}, follow=True
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(user=owner, name="cms")
    shown = [str(m) for m in response.context["messages"] if "copy it now" in str(m)]
    key = shown[0].split(" is ")[1].split(" ")[0]
    assert token_digest(key) == token.key_hash
    client.post(
        "/admin/articles/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    # A viewer sees only their own tokens and issues tokens for themselves.
    client.force_login(owner)
    api_token_issue(user=editor, name="editor-token")
    listing = client.get("/admin/articles/apitoken/")
    assert b"editor-token" not in listing.content
    client.post("/admin/articles/apitoken/add/", {"name": "mine"})
    assert ApiToken.objects.filter(user=owner, name="mine").exists()
