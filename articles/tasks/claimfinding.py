"""Claim-finding jobs: thin wrappers around `claims_find_for_articles` (idempotent: sentences
already suggested, proposed or decided are skipped, so a redelivered job writes nothing) and
`claim_contradictions_recompute` (the flags are replaced).

Claim finding over a large import can run for minutes, so it is acknowledged when it starts
(never handed to a second worker while it runs); if its worker dies, the article page still
computes the suggestions live and `suggest_claims` lists them. Contradictions are one claim's
work: acknowledged after they run, redelivered if their worker dies."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings

from articles.services import claimfinding as claimfinding_services
from articles.tasks.transient import TRANSIENT_ERRORS


@shared_task(
    name="articles.tasks.claims_find_for_articles_task",
    acks_late=False,
    time_limit=settings.FACTCHECK_LONG_JOB_TIME_LIMIT,
    soft_time_limit=settings.FACTCHECK_LONG_JOB_TIME_LIMIT - 60,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=settings.FACTCHECK_JOB_RETRY_BACKOFF_MAX_SECONDS,
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
    retry_backoff_max=settings.FACTCHECK_JOB_RETRY_BACKOFF_MAX_SECONDS,
    max_retries=5,
)
def claim_contradictions_recompute_task(claim_id: int) -> int:
    """Recompute one claim's contradiction flags (idempotent: the flags are replaced). A claim
    deleted since simply has no passages, hence no flags."""
    return claimfinding_services.claim_contradictions_recompute(claim_id=claim_id)
