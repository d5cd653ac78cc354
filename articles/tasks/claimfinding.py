"""Claim-finding jobs: thin wrappers around `claims_find_for_articles` (idempotent: sentences
already suggested, proposed or decided are skipped, so a redelivered job writes nothing) and
`claim_contradictions_recompute` (the flags are replaced)."""

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


@shared_task(
    name="articles.tasks.claim_contradictions_recompute_task",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=5,
)
def claim_contradictions_recompute_task(claim_id: int) -> int:
    """Recompute one claim's contradiction flags (idempotent: the flags are replaced). A claim
    deleted since simply has no passages, hence no flags."""
    return claimfinding_services.claim_contradictions_recompute(claim_id=claim_id)
