"""Webhook writes: registering endpoints, recording verdict events as deliveries, sending them
signed, and redelivering.

A verdict event becomes one `WebhookDelivery` row per subscribed endpoint, written in the
transaction that publishes or retracts the verdict (so no event is lost and none is sent for a
rolled-back publish); the Celery job that sends it is queued with `transaction.on_commit`.

Signature: the headers `X-Factcheck-Timestamp` (Unix seconds) and `X-Factcheck-Signature`
(`sha256=` and the hex HMAC-SHA256, keyed with the endpoint's secret, of the timestamp, a dot and
the raw body). Receivers recompute it and reject old timestamps to stop replays.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from articles import roles
from articles.exceptions import PermissionDenied
from articles.models import Verdict, Webhook, WebhookDelivery, WebhookEvent

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Factcheck-Signature"
TIMESTAMP_HEADER = "X-Factcheck-Timestamp"
EVENT_HEADER = "X-Factcheck-Event"
DELIVERY_HEADER = "X-Factcheck-Delivery"


def webhook_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """`sha256=<hex>`: HMAC-SHA256 of `b"<timestamp>." + body` keyed with `secret`."""
    message = str(timestamp).encode("ascii") + b"." + body
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _require_editor(user: AbstractBaseUser) -> None:
    if not roles.is_editor(user):
        raise PermissionDenied("Only editors can manage webhooks.")


def webhook_save(
    *,
    user: AbstractBaseUser,
    webhook: Webhook,
    fields: Iterable[str] | None = None,
) -> Webhook:
    """Create (unsaved `webhook`) or update a webhook endpoint, validated with `full_clean`.
    Errors: PermissionDenied for non-editors, ValidationError for a bad URL or event list."""
    _require_editor(user)
    adding = webhook._state.adding
    if adding and webhook.created_by_id is None:
        webhook.created_by_id = user.pk
    webhook.events = sorted(set(webhook.events)) if isinstance(webhook.events, list) else []
    webhook.full_clean()
    if adding or fields is None:
        webhook.save()
    else:
        webhook.save(update_fields=[*fields, "events"])
    return webhook


def webhook_delete(*, user: AbstractBaseUser, webhook_id: int) -> None:
    """Remove an endpoint and its delivery log."""
    _require_editor(user)
    Webhook.objects.filter(pk=webhook_id).delete()


def verdict_payload(verdict: Verdict) -> dict[str, Any]:
    """The verdict as webhooks carry it."""
    claim = verdict.claim
    return {
        "id": verdict.pk,
        "claim_id": verdict.claim_id,
        "version": verdict.version,
        "label": verdict.label,
        "status": "retracted" if verdict.retracted_at else "published",
        "is_override": verdict.is_override,
        "claim_text": claim.text,
        "claimant": claim.claimant,
        "published_at": verdict.published_at.isoformat(),
        "retracted_at": verdict.retracted_at.isoformat() if verdict.retracted_at else None,
    }


def verdict_event_schedule(*, verdict: Verdict, event: WebhookEvent) -> list[WebhookDelivery]:
    """Record `event` for every active webhook subscribed to it and queue their sending once
    the surrounding transaction commits. Call inside the transaction that changes the verdict.
    Returns the deliveries created (none when no endpoint listens)."""
    from articles.tasks.webhooks import webhook_deliver_task

    hooks = [hook for hook in Webhook.objects.filter(is_active=True) if event in hook.events]
    if not hooks:
        return []
    occurred = timezone.now().isoformat()
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            webhook=hook,
            event=event,
            payload={
                "event": str(event),
                "occurred_at": occurred,
                "verdict": verdict_payload(verdict),
            },
        )
        for hook in hooks
    )
    for delivery in deliveries:
        delivery_id = delivery.pk
        transaction.on_commit(partial(webhook_deliver_task.delay, delivery_id))
    return deliveries


@dataclass(frozen=True)
class AttemptOutcome:
    """What one sending attempt did; `retry_in` is the backoff in seconds when it should be tried
    again (None when delivered, gone, or out of time)."""

    status: str
    retry_in: float | None = None


def _backoff(attempts: int) -> float:
    base = float(settings.FACTCHECK_WEBHOOK_BACKOFF_SECONDS)
    cap = float(settings.FACTCHECK_WEBHOOK_BACKOFF_MAX_SECONDS)
    return float(min(cap, base * 2 ** max(0, attempts - 1)))


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST and return the response code (an HTTP error status is returned, not raised)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    timeout = float(settings.FACTCHECK_WEBHOOK_TIMEOUT_SECONDS)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def webhook_delivery_attempt(*, delivery_id: int) -> AttemptOutcome:
    """Send one delivery once: sign the body with a fresh timestamp, POST it, log the outcome.

    A 2xx answer marks it delivered. Anything else (another status, a refused connection, a
    timeout) counts an attempt and, while the next try falls within
    FACTCHECK_WEBHOOK_RETRY_WINDOW_SECONDS of the first attempt, marks it retrying and returns
    the exponential backoff to wait; after that it is marked failed. A delivered delivery, or one
    whose row or endpoint is gone, is not sent again (safe to redeliver the task).
    """
    delivery = WebhookDelivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None:
        return AttemptOutcome("missing")
    if delivery.status in (WebhookDelivery.Status.DELIVERED, WebhookDelivery.Status.FAILED):
        return AttemptOutcome(delivery.status)
    hook = delivery.webhook
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode("utf-8")
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "factcheck-webhooks/1",
        EVENT_HEADER: delivery.event,
        DELIVERY_HEADER: str(delivery.pk),
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: webhook_signature(secret=hook.secret, timestamp=timestamp, body=body),
    }
    now = timezone.now()
    delivery.first_attempt_at = delivery.first_attempt_at or now
    delivery.last_attempt_at = now
    delivery.attempts += 1
    code: int | None = None
    error = ""
    try:
        code = _post(hook.url, body, headers)
    except (OSError, ValueError) as exc:  # refused, timed out, DNS, bad URL
        error = f"{type(exc).__name__}: {exc}"[:2000]
    delivery.response_code = code
    retry_in: float | None = None
    if code is not None and 200 <= code < 300:
        delivery.status = WebhookDelivery.Status.DELIVERED
        delivery.delivered_at = timezone.now()
        delivery.last_error = ""
    else:
        delivery.last_error = error or f"HTTP {code}"
        wait = _backoff(delivery.attempts)
        window = timedelta(seconds=float(settings.FACTCHECK_WEBHOOK_RETRY_WINDOW_SECONDS))
        if now + timedelta(seconds=wait) <= delivery.first_attempt_at + window:
            delivery.status = WebhookDelivery.Status.RETRYING
            retry_in = wait
        else:
            delivery.status = WebhookDelivery.Status.FAILED
            logger.warning(
                "webhook delivery %s failed for good: %s", delivery.pk, delivery.last_error
            )
    delivery.save(
        update_fields=[
            "status",
            "attempts",
            "response_code",
            "last_error",
            "first_attempt_at",
            "last_attempt_at",
            "delivered_at",
        ]
    )
    return AttemptOutcome(delivery.status, retry_in)


def webhook_redeliver(*, user: AbstractBaseUser, delivery_ids: Iterable[int]) -> int:
    """Send deliveries again from scratch (new attempt count and retry window), e.g. after a
    receiver's outage outlasted the window. Returns how many were queued.
    Errors: PermissionDenied for non-editors."""
    from articles.tasks.webhooks import webhook_deliver_task

    _require_editor(user)
    ids = list(delivery_ids)
    with transaction.atomic():
        count = WebhookDelivery.objects.filter(pk__in=ids).update(
            status=WebhookDelivery.Status.PENDING,
            attempts=0,
            first_attempt_at=None,
            delivered_at=None,
            last_error="",
        )
        for delivery_id in WebhookDelivery.objects.filter(pk__in=ids).values_list("id", flat=True):
            transaction.on_commit(partial(webhook_deliver_task.delay, delivery_id))
    return count
