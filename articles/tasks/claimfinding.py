"""Claim-finding jobs: a thin wrapper around `claims_find_for_articles` (idempotent: sentences
already suggested, proposed or decided are skipped, so a redelivered job writes nothing)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from articles.services import claimfinding as claimfinding_services
from articles.tasks.transient import TRANSIENT_ERRORS


@shared_task(
    name="articles.tasks.claims_find_for_articles_task",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=5,
)
def claims_find_for_articles_task(article_ids: list[int]) -> dict[str, Any]:
    """Suggest claims in, and match claims on file to, the articles of one import. Articles
    deleted since are simply not found."""
    return claimfinding_services.claims_find_for_articles(article_ids=article_ids)
