"""The page a locked-out account gets from the admin login (django-axes calls
`locked_out_response` when its sign-in is refused; settings.AXES_LOCKOUT_CALLABLE)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

# Too Many Requests: the client is told to slow down, not that the credentials are wrong.
STATUS = 429


def locked_out_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The admin's login layout with why sign-in is refused and for how long."""
    cooloff = settings.AXES_COOLOFF_TIME
    context = {
        **admin.site.each_context(request),
        "title": "Sign-in paused",
        "username": (credentials or {}).get("username") or request.POST.get("username", ""),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": round(cooloff.total_seconds() / 60),
    }
    response = render(request, "admin/login_locked.html", context, status=STATUS)
    response["Retry-After"] = str(int(cooloff.total_seconds()))
    return response
