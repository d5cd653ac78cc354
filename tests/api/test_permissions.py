"""The permission matrix: role x endpoint x method, including users in several groups, and
anonymous access (401, except published verdicts when the public setting is on)."""

import pytest

from tests.api.conftest import client_for

ROLES = (
    "anonymous",
    "nobody",
    "viewer",
    "annotator",
    "editor",
    "annotator+viewer",
    "annotator+editor",
)

# endpoint, method → roles allowed through the permission check (others: 401 anonymous, 403).
READ_ALL = {"viewer", "annotator", "editor", "annotator+viewer", "annotator+editor"}
EDITORS = {"editor", "annotator+editor"}
EDITORS_ANNOTATORS = {"annotator", "editor", "annotator+viewer", "annotator+editor"}
ANNOTATORS = {"annotator", "annotator+viewer", "annotator+editor"}

MATRIX = [
    ("get", "/api/v1/articles/", READ_ALL),
    ("get", "/api/v1/articles/{article}/", READ_ALL),
    ("post", "/api/v1/articles/", EDITORS),
    ("get", "/api/v1/import-jobs/", EDITORS),
    ("post", "/api/v1/import-jobs/", EDITORS),
    ("get", "/api/v1/claims/", READ_ALL),
    ("get", "/api/v1/claims/{claim}/", READ_ALL),
    ("post", "/api/v1/claims/", EDITORS),
    ("post", "/api/v1/claims/{claim}/appearances/", EDITORS),
    ("post", "/api/v1/claims/{claim}/required-annotations/", EDITORS),
    ("post", "/api/v1/claims/{claim}/assign/", EDITORS),
    ("post", "/api/v1/claims/{claim}/publish/", EDITORS),
    ("post", "/api/v1/claims/{claim}/retract/", EDITORS),
    ("get", "/api/v1/annotations/", EDITORS_ANNOTATORS),
    ("post", "/api/v1/annotations/", ANNOTATORS),
    ("get", "/api/v1/assignments/", EDITORS_ANNOTATORS),
    ("post", "/api/v1/assignments/", set()),
    ("get", "/api/v1/verdicts/", READ_ALL),
    ("get", "/api/v1/verdicts/{verdict}/", READ_ALL),
    ("get", "/api/v1/verdicts/deleted/", READ_ALL),
    ("post", "/api/v1/verdicts/", set()),
]


def _url(template, desk):
    return template.format(
        article=desk.article.pk,
        claim=desk.rated.pk,
        verdict=desk.rated.verdicts.get().pk,
    )


def _allowed(response):
    """Passed the permission check: anything but 401/403 (and 405 for missing methods)."""
    return response.status_code not in (401, 403, 405)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "template", "allowed"), MATRIX)
def test_permissions_matrix(desk, role, method, template, allowed):
    client, _user = client_for(role)
    response = getattr(client, method)(_url(template, desk), data={}, format="json")
    assert response.status_code < 500
    if role in allowed:
        assert _allowed(response), (role, method, template, response.status_code)
    elif role == "anonymous":
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Token")
    elif method == "post" and not allowed:
        assert response.status_code in (403, 405)
    else:
        assert response.status_code == 403, (role, method, template, response.status_code)
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.django_db
def test_permissions_public_verdicts_setting(desk, settings):
    anonymous, _ = client_for("anonymous")
    assert anonymous.get("/api/v1/verdicts/").status_code == 401
    settings.FACTCHECK_API_PUBLIC_VERDICTS = True
    listed = anonymous.get("/api/v1/verdicts/")
    assert listed.status_code == 200
    assert {v["claim"] for v in listed.json()["results"]} == {desk.rated.pk, desk.unrated.pk}
    assert anonymous.get("/api/v1/verdicts/?format=csv").status_code == 200
    # Only verdicts are public.
    assert anonymous.get("/api/v1/claims/").status_code == 401
    assert anonymous.get("/api/v1/articles/").status_code == 401
    # A user outside the desk's roles reads what the public reads; a blind annotator does not
    # gain anything from the setting.
    nobody, _ = client_for("nobody")
    assert len(nobody.get("/api/v1/verdicts/").json()["results"]) == 2
    blind = client_for("annotator")[0]
    assert blind.get("/api/v1/verdicts/").json()["results"] == []


@pytest.mark.django_db
def test_permissions_session_auth(desk, editor, client):
    client.force_login(editor)
    assert client.get("/api/v1/claims/").status_code == 200
    # Session writes need the CSRF token like any form.
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor)
    response = strict.post("/api/v1/claims/", {"text": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
