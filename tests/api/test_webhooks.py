"""Webhooks: deliveries recorded with the publish and sent after it commits, signed with
HMAC-SHA256 over timestamp and body, retried with exponential backoff within a bounded window,
logged, redelivered from the admin; and end to end with a real worker and receiver."""

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Webhook, WebhookDelivery, WebhookEvent
from articles.services import webhooks as webhook_services
from articles.services.verdicts import verdict_publish, verdict_retract
from tests.api.conftest import consensus_for
from tests.api.receiver import Receiver
from tests.conftest import wait_for
from tests.factories import ClaimFactory

TEST_SECRET = "s3cret"  # noqa: S105 - a test fixture, not a credential


def _hook(editor, url, events=None, secret=TEST_SECRET):
    return webhook_services.webhook_save(
        user=editor,
        webhook=Webhook(name="cms", url=url, secret=secret, events=events or WebhookEvent.values),
    )


def _verify(headers, body, secret=TEST_SECRET):
    timestamp = headers[webhook_services.TIMESTAMP_HEADER]
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return headers[webhook_services.SIGNATURE_HEADER] == f"sha256={expected.hexdigest()}"


@pytest.mark.django_db
def test_webhooks_publish_records_and_queues_after_commit(
    editor, django_capture_on_commit_callbacks
):
    claim = ClaimFactory()
    consensus_for(claim)
    _hook(editor, "https://cms.example.org/a")
    _hook(editor, "https://cms.example.org/b", events=[WebhookEvent.VERDICT_RETRACTED])
    with django_capture_on_commit_callbacks() as callbacks:
        verdict_publish(user=editor, claim_id=claim.pk)
    delivery = WebhookDelivery.objects.get()
    assert delivery.event == WebhookEvent.VERDICT_PUBLISHED
    assert delivery.payload["verdict"]["claim_id"] == claim.pk
    assert len([c for c in callbacks if "webhook" in repr(c)]) == 1
    with django_capture_on_commit_callbacks():
        verdict_publish(user=editor, claim_id=claim.pk, label="false", reason="New evidence")
        verdict_retract(user=editor, claim_id=claim.pk, reason="Wrong claim")
    events = list(WebhookDelivery.objects.order_by("id").values_list("event", "webhook__url"))
    assert events[1:] == [
        (WebhookEvent.VERDICT_CHANGED, "https://cms.example.org/a"),
        (WebhookEvent.VERDICT_RETRACTED, "https://cms.example.org/a"),
        (WebhookEvent.VERDICT_RETRACTED, "https://cms.example.org/b"),
    ]


@pytest.mark.django_db
def test_webhooks_rolled_back_publish_sends_nothing(editor):
    claim = ClaimFactory()
    _hook(editor, "https://cms.example.org/a")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        verdict_publish(user=editor, claim_id=claim.pk)  # no consensus, no label
    assert not WebhookDelivery.objects.exists()


@pytest.mark.django_db
def test_webhooks_attempt_signs_and_logs(editor, django_capture_on_commit_callbacks):
    claim = ClaimFactory()
    consensus_for(claim)
    with Receiver(statuses=[503]) as receiver:
        _hook(editor, receiver.url)
        with django_capture_on_commit_callbacks(execute=False):
            verdict_publish(user=editor, claim_id=claim.pk)
        delivery = WebhookDelivery.objects.get()
        first = webhook_services.webhook_delivery_attempt(delivery_id=delivery.pk)
        assert first.status == "retrying"
        assert first.retry_in == 2.0
        second = webhook_services.webhook_delivery_attempt(delivery_id=delivery.pk)
        assert second.status == "delivered"
        assert second.retry_in is None
        again = webhook_services.webhook_delivery_attempt(delivery_id=delivery.pk)
        assert again.status == "delivered"
    assert len(receiver.requests) == 2
    headers, body = receiver.requests[-1]
    assert _verify(headers, body)
    assert not _verify(headers, body, "other")
    assert json.loads(body)["verdict"]["claim_id"] == claim.pk
    assert headers[webhook_services.EVENT_HEADER] == "verdict.published"
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.response_code, delivery.status) == (2, 200, "delivered")


@pytest.mark.django_db
def test_webhooks_backoff_grows_and_stops_after_the_window(editor, settings):
    settings.FACTCHECK_WEBHOOK_BACKOFF_SECONDS = 1.0
    settings.FACTCHECK_WEBHOOK_BACKOFF_MAX_SECONDS = 8.0
    settings.FACTCHECK_WEBHOOK_RETRY_WINDOW_SECONDS = 20.0
    hook = _hook(editor, "http://127.0.0.1:9/refused")  # the discard port: nothing listens
    delivery = WebhookDelivery.objects.create(webhook=hook, event="verdict.published", payload={})
    waits = []
    for _ in range(10):
        outcome = webhook_services.webhook_delivery_attempt(delivery_id=delivery.pk)
        if outcome.retry_in is None:
            break
        waits.append(outcome.retry_in)
        # Pretend the wait passed: move the first attempt back by the backoff.
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            first_attempt_at=WebhookDelivery.objects.get(pk=delivery.pk).first_attempt_at
            - timedelta(seconds=outcome.retry_in)
        )
    assert waits == [1.0, 2.0, 4.0, 8.0]  # 15 s; the next 8 s wait would pass the 20 s window
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert delivery.attempts == 5
    assert "Connection" in delivery.last_error or "refused" in delivery.last_error.lower()


@pytest.mark.django_db
def test_webhooks_redeliver_from_admin(editor, client, django_capture_on_commit_callbacks):
    hook = _hook(editor, "https://cms.example.org/a")
    delivery = WebhookDelivery.objects.create(
        webhook=hook, event="verdict.published", payload={}, status="failed", attempts=7,
        first_attempt_at=timezone.now(),
    )  # fmt: skip
    client.force_login(editor)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            "/admin/articles/webhookdelivery/",
            {"action": "redeliver", "_selected_action": [delivery.pk]},
        )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.first_attempt_at) == ("pending", 0, None)
    assert len(callbacks) == 1
    # Webhooks are editors' business.
    from tests.factories import ViewerFactory

    client.force_login(ViewerFactory())
    assert client.get("/admin/articles/webhook/").status_code == 403


@pytest.mark.django_db
def test_webhooks_admin_form_validates_events(editor, client):
    client.force_login(editor)
    response = client.post(
        "/admin/articles/webhook/add/",
        {"name": "cms", "url": "https://cms.example.org/h", "secret": "x",
         "events": ["verdict.published"], "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    assert Webhook.objects.get().events == ["verdict.published"]
    bad = client.post(
        "/admin/articles/webhook/add/",
        {"name": "cms2", "url": "https://cms.example.org/h", "secret": "x", "events": ["nope"]},
    )
    assert bad.status_code == 200
    assert Webhook.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("https://desk:hunter2@cms.example.org/h", "user name and password"),
        ("https://desk@cms.example.org/h", "user name and password"),
        ("ftp://cms.example.org/h", "http:// or https://"),
    ],
)
def test_webhooks_refuse_addresses_deliveries_cannot_be_posted_to(editor, client, url, fragment):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as raised:
        _hook(editor, url)
    assert fragment in " ".join(raised.value.message_dict["url"])
    client.force_login(editor)
    response = client.post(
        "/admin/articles/webhook/add/",
        {"name": "cms", "url": url, "secret": "x", "events": ["verdict.published"]},
    )
    assert response.status_code == 200
    assert fragment in response.content.decode()
    assert not Webhook.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["", "not an address"])
def test_webhooks_missing_or_malformed_address_gets_the_field_error_alone(editor, url):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as raised:
        _hook(editor, url)
    assert len(raised.value.message_dict["url"]) == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_webhooks_real_worker_posts_signed_payload_after_commit(celery_live, editor):
    """A real worker sends the delivery to a receiver on 127.0.0.1, retrying after a 500."""
    claim = ClaimFactory()
    consensus_for(claim)
    with Receiver(statuses=[500]) as receiver:
        _hook(editor, receiver.url)
        verdict_publish(user=editor, claim_id=claim.pk)
        delivery = WebhookDelivery.objects.get()
        wait_for(
            lambda: WebhookDelivery.objects.get(pk=delivery.pk).status == "delivered",
            timeout=60,
        )
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.response_code == 200
    assert len(receiver.requests) == 2
    headers, body = receiver.requests[-1]
    assert _verify(headers, body)
    assert json.loads(body)["event"] == "verdict.published"
