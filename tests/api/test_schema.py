"""OpenAPI schema and docs: valid OpenAPI 3, docs served without any CDN, and schemathesis
fuzzing every operation (bounded examples) for server errors and schema conformance."""

import json

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from articles.api.schema import ERROR_DESCRIPTIONS
from tests.api.conftest import token_client

SCHEMA = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(public=True)))
WSGI = get_wsgi_application()
schema = schemathesis.openapi.from_dict(SCHEMA)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


def test_schema_is_valid_openapi_3_with_errors_documented():
    validate_schema(SCHEMA)
    assert SCHEMA["openapi"].startswith("3.")
    operations = [
        (path, method, op)
        for path, item in SCHEMA["paths"].items()
        for method, op in item.items()
        if method in {"get", "post", "put"}
    ]
    assert len(operations) >= 20
    for path, method, op in operations:
        codes = set(op["responses"])
        assert set(ERROR_DESCRIPTIONS) <= codes, (path, method)
        assert "400" in codes
        assert any(code.startswith("2") for code in codes)
        assert op["responses"]["403"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }
    assert {"tokenAuth", "cookieAuth"} <= set(SCHEMA["components"]["securitySchemes"])


@pytest.mark.django_db
def test_schema_served_and_docs_work_offline(client):
    served = client.get("/api/schema/?format=json")
    assert served.status_code == 200
    assert served.json()["paths"].keys() == SCHEMA["paths"].keys()
    for page in ("/api/docs/", "/api/redoc/"):
        html = client.get(page).content.decode()
        assert "/static/drf_spectacular_sidecar/" in html
        assert "cdn" not in html.lower()
        assert "unpkg" not in html.lower()
    asset = client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert asset.status_code == 200


@pytest.fixture
def fuzz_headers(desk, editor):
    client = token_client(editor)
    return {"Authorization": client._credentials["HTTP_AUTHORIZATION"]}


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """Calling the WSGI app directly fires request_started/finished, whose
    close_old_connections would close the test's connection mid-transaction (Django's test
    client disconnects it the same way)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_schema_fuzz_no_server_error_and_conformance(case, fuzz_headers):
    case.call_and_validate(app=WSGI, headers=fuzz_headers, checks=CHECKS)
