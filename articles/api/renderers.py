"""Export formats of the verdict list, chosen by `?format=` or the Accept header.

CSV and JSON Lines are streamed by the view straight from a database cursor
(`articles.api.streaming`); their renderers here only take part in content negotiation and the
schema. ClaimReview renders the JSON-LD built by `articles.api.claimreview`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework.renderers import BaseRenderer, JSONRenderer


class _StreamedRenderer(BaseRenderer):
    """Negotiation only: the view streams these formats itself (and answers errors in JSON)."""

    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        raise TypeError(f"{self.format} responses are streamed by the view")


class CSVRenderer(_StreamedRenderer):
    media_type = "text/csv"
    format = "csv"


class JSONLinesRenderer(_StreamedRenderer):
    media_type = "application/x-ndjson"
    format = "jsonl"


class ClaimReviewRenderer(JSONRenderer):
    """schema.org ClaimReview as JSON-LD."""

    media_type = "application/ld+json"
    format = "claimreview"


STREAMED_FORMATS = frozenset({CSVRenderer.format, JSONLinesRenderer.format})
