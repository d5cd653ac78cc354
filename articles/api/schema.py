"""OpenAPI schema: every operation documents its error bodies, and the token scheme is named."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema

from articles.api.serializers import ErrorSerializer

VALIDATION_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Field name (or `detail` / `non_field_errors`) to its messages.",
    "additionalProperties": {
        "oneOf": [
            {"type": "string"},
            {"type": "array", "items": {}},
            {"type": "object"},
        ]
    },
}

ERROR_DESCRIPTIONS = {
    "401": "Not signed in: no session and no valid token.",
    "403": "Signed in, but the caller's role does not allow this.",
    "404": "No such object (or not visible to the caller), or an unknown `format`.",
    "405": "Method not allowed.",
    "406": "None of the Accept header's media types can be served.",
    "429": "Too many requests; `Retry-After` says when to try again.",
}


class DeskAutoSchema(AutoSchema):
    """Adds the desk's error answers to every operation: 400 (field-level messages) on writes
    and filtered lists, and 401/403/404/405/406/429 with a `detail` message everywhere."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        errors: dict[str, Any] = {"400": VALIDATION_ERROR_SCHEMA}
        errors.update(dict.fromkeys(ERROR_DESCRIPTIONS, ErrorSerializer))
        for code, body in errors.items():
            if code in responses:
                continue
            response: dict[str, Any] = self._get_response_for_code(  # type: ignore[no-untyped-call]
                body, code, ["application/json"], direction
            )
            response["description"] = (
                "Invalid input: messages per field." if code == "400" else ERROR_DESCRIPTIONS[code]
            )
            responses[code] = response
        return responses


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "articles.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>` (or `Bearer <key>`); issue keys in the admin or with "
            "`manage.py api_token issue`.",
        }
