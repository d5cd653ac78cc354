"""Template helpers for the desk's admin pages."""

from __future__ import annotations

from django import template

from articles.admin.common import consensus_html, ratings_caption, verdict_html

register = template.Library()


@register.simple_tag
def consensus_badge(status: str, label: str, n_annotations: int | None, required: int) -> str:
    """The consensus as the admin columns show it (`articles.admin.common.consensus_html`)."""
    return consensus_html(
        status=status or "", label=label or "", n_annotations=n_annotations, required=required
    )


@register.simple_tag
def verdict_badge(label: str) -> str:
    """The published verdict as the admin columns show it."""
    return verdict_html(label or "")


@register.simple_tag
def ratings(n_annotations: int | None, required: int) -> str:
    """ "2 of 3 ratings"."""
    return ratings_caption(n_annotations, required)


@register.filter
def pct(value: float | None) -> str:
    """0.8 → "80%"; None → "—"."""
    return "—" if value is None else f"{float(value):.0%}"


@register.filter
def width(value: float | None) -> str:
    """A probability as a CSS width percentage."""
    return f"{max(0.0, min(1.0, float(value or 0.0))) * 100:.1f}%"
