"""Claim-finding panels for the admin's article and claim pages (editors only): the article's
suggestions and proposed appearances, and a claim's contradiction flags."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from articles import roles
from articles.models import Article, Claim
from articles.selectors.claimfinding import (
    article_page_suggestions,
    article_proposals,
    claim_contradictions,
)

register = template.Library()


@register.inclusion_tag("admin/articles/suggestions/article_panel.html", takes_context=True)
def article_suggestions_panel(context: template.Context, article: Article | None) -> dict[str, Any]:
    """Ranked suggestions with their reasons and the open proposed appearances of `article`."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if article is None or article.pk is None or not roles.is_editor(user):
        return {"show": False}
    return {
        "show": True,
        "article": article,
        "suggestions": article_page_suggestions(article_id=article.pk),
        "proposals": list(article_proposals(article_id=article.pk)),
        "accept_url": reverse("admin:articles_suggestion_decide", args=(article.pk, "accept")),
        "reject_url": reverse("admin:articles_suggestion_decide", args=(article.pk, "reject")),
        "next": request.get_full_path() if request is not None else "",
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("admin/articles/suggestions/claim_contradictions.html", takes_context=True)
def claim_contradictions_panel(context: template.Context, claim: Claim | None) -> dict[str, Any]:
    """The claim's contradiction flags: both values and the article each comes from."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if claim is None or claim.pk is None or not roles.is_editor(user):
        return {"show": False}
    return {"show": True, "flags": list(claim_contradictions(claim_id=claim.pk))}
