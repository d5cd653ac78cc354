"""Export throttling per API token (a user's several tokens each get the rate), per user for
session requests, per address for anonymous public reads. Rates come from settings."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from articles.models import ApiToken


class ExportRateThrottle(ScopedRateThrottle):
    """`throttle_scope = "export"` on the view; keyed by token, else user, else address."""

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user is not None and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"anon-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
