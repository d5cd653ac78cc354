"""Template helpers for the desk's admin pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def pct(value: float | None) -> str:
    """0.8 → "80%"; None → "—"."""
    return "—" if value is None else f"{float(value):.0%}"


@register.filter
def width(value: float | None) -> str:
    """A probability as a CSS width percentage."""
    return f"{max(0.0, min(1.0, float(value or 0.0))) * 100:.1f}%"
