"""Template helpers for the desk's admin pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest

from articles import roles
from articles.selectors import counts

register = template.Library()


@register.simple_tag
def desk_counts(request: HttpRequest) -> dict[str, Any]:
    """Role flags and counts for the admin index cards."""
    user = request.user
    return {
        "is_editor": roles.is_editor(user),
        "is_annotator": roles.is_annotator(user),
        "is_viewer": roles.is_viewer(user),
        **counts.desk_counts(user=user),
    }


@register.filter
def pct(value: float | None) -> str:
    """0.8 → "80%"; None → "—"."""
    return "—" if value is None else f"{float(value):.0%}"


@register.filter
def width(value: float | None) -> str:
    """A probability as a CSS width percentage."""
    return f"{max(0.0, min(1.0, float(value or 0.0))) * 100:.1f}%"
