"""No secret or token in the logs (issue 15): passwords, session ids, API keys, webhook secrets and
the passwords of DATABASE_URL/REDIS_URL never reach a log line, in the web process or a worker."""

import io
import logging
import re
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from django.test import Client
from django.views.debug import get_default_exception_reporter_filter
from rest_framework.test import APIClient

from articles.models import Webhook, WebhookDelivery, WebhookEvent
from articles.services import webhooks as webhook_services
from articles.services.tokens import api_token_issue, api_token_revoke
from articles.services.verdicts import verdict_publish
from articles.services.webhooks import verdict_payload
from articles.tasks.webhooks import webhook_deliver_task
from factcheck.celery import app as celery_app
from factcheck.log_redaction import redact
from tests.api.conftest import consensus_for
from tests.api.receiver import Receiver
from tests.conftest import start_worker, stop_worker, wait_for, wait_for_worker
from tests.factories import ClaimFactory

WEBHOOK_SECRET = "whsec-value-K9"  # noqa: S105 - a test value, looked for in the logs

# --- the masking itself --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("broker redis://:redis-pw-1@127.0.0.1:6379/0 down", "redis-pw-1"),
        ("db postgres://desk:pg-pw-2@db.internal:5432/factcheck", "pg-pw-2"),
        ("posting to https://cms:hook-pw-3@cms.example.org/hook", "hook-pw-3"),
        ("key fc_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-ab used", "AbCdEfGhIjKlMnOpQrSt"),
        ("Authorization: Token 8d7f6e5d4c3b2a19 refused", "8d7f6e5d4c3b2a19"),
        ("Authorization: Bearer eyJhbGciOi.J9eyJzdWIi.OiIxMjM0 refused", "eyJhbGciOi"),
        ("Cookie: csrftoken=csrf-val-4; sessionid=sess-val-5", "sess-val-5"),
        ("Cookie: csrftoken=csrf-val-4; sessionid=sess-val-5", "csrf-val-4"),
        ("POST username=anna&password=pw-val-6&next=/admin/", "pw-val-6"),
        ("{'secret': 'whsec-val-7', 'url': 'x'}", "whsec-val-7"),
        ("GET /hook?token=qs-val-8&a=1", "qs-val-8"),
        ("api_key: key-val-9", "key-val-9"),
    ],
)
def test_redact_masks_each_kind_of_secret(text, secret):
    cleaned = redact(text)
    assert secret not in cleaned
    assert "***" in cleaned


@pytest.mark.parametrize(
    "text",
    [
        "import batch 12 stopped: ValueError",
        "consensus recompute: claim 7 no longer exists",
        "GET http://127.0.0.1:8000/admin/desk/claims/?page=2 took 12 ms",
        "AUTH_PASSWORD_VALIDATORS checked",
        "webhook delivery 3 failed for good: HTTP 500",
    ],
)
def test_redact_leaves_ordinary_lines_alone(text):
    assert redact(text) == text


def test_log_records_are_redacted_before_any_handler(caplog):
    logger = logging.getLogger("articles.test")
    with caplog.at_level(logging.INFO, logger="articles.test"):
        logger.propagate = True
        try:
            logger.warning("broker %s unreachable", "redis://:redis-pw-1@127.0.0.1:6379/0")
            try:
                raise ConnectionError("cannot reach postgres://desk:pg-pw-2@db:5432/x")
            except ConnectionError:
                logger.exception("lost the database")
            logger.info("claim %s recomputed", 7)
        finally:
            logger.propagate = False
    text = caplog.text
    assert "redis-pw-1" not in text
    assert "pg-pw-2" not in text
    assert "redis://:***@127.0.0.1:6379/0" in text
    assert "postgres://desk:***@db:5432/x" in text
    # A record with nothing to mask keeps its template and arguments.
    plain = [r for r in caplog.records if r.getMessage() == "claim 7 recomputed"]
    assert plain[0].msg == "claim %s recomputed"
    assert plain[0].args == (7,)


def test_error_reports_mask_credentials_in_url_settings(settings):
    settings.REDIS_URL = "redis://:redis-pw-1@127.0.0.1:6379/0"
    settings.CELERY_BROKER_URL = "redis://:redis-pw-1@127.0.0.1:6379/0"
    safe = get_default_exception_reporter_filter().get_safe_settings()
    assert "redis-pw-1" not in repr(safe)
    assert safe["REDIS_URL"] == "redis://:***@127.0.0.1:6379/0"
    assert safe["CELERY_BROKER_URL"] == "redis://:***@127.0.0.1:6379/0"


# --- the desk's flows, every log line captured ------------------------------------------------


@pytest.fixture
def all_logs():
    """Everything logged at DEBUG and above, by every logger, as the console would write it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    louder = ["", "articles", "axes", "django", "django.request", "celery", "factcheck"]
    levels = {name: logging.getLogger(name).level for name in louder}
    for logger in loggers:
        logger.addHandler(handler)
    for name in louder:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield stream
    for logger in loggers:
        logger.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def assert_none_in(text, secrets):
    leaked = [name for name, value in secrets.items() if value in text]
    assert not leaked, f"secrets in the logs: {leaked}"


@pytest.mark.django_db
def test_logs_of_login_token_use_and_webhook_hold_no_secret(
    all_logs, settings, django_capture_on_commit_callbacks, editor
):
    settings.FACTCHECK_WEBHOOK_RETRY_WINDOW_SECONDS = 0  # the first failure is final: logged
    editor.set_password("right-pass-Q7x")
    editor.save()
    secrets = {"right password": "right-pass-Q7x", "wrong password": "wrong-pass-Z3k"}

    browser = Client()
    for _ in range(2):
        browser.post("/admin/login/", {"username": editor.username, "password": "wrong-pass-Z3k"})
    browser.post("/admin/login/", {"username": editor.username, "password": "right-pass-Q7x"})
    secrets["session id"] = browser.cookies["sessionid"].value
    assert browser.get("/admin/").status_code == 200

    issued = api_token_issue(user=editor, name="cms")
    secrets["API key"] = issued.key
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {issued.key}")
    assert api.get("/api/v1/claims/").status_code == 200
    api_token_revoke(actor=editor, token_id=issued.token.pk)
    assert api.get("/api/v1/claims/").status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Token {issued.key} extra")
    assert api.get("/api/v1/claims/").status_code == 401

    claim = ClaimFactory()
    consensus_for(claim)
    with Receiver(statuses=[500]) as receiver:
        webhook_services.webhook_save(
            user=editor,
            webhook=Webhook(
                name="cms",
                url=f"{receiver.url}?token=hook-query-token-M2",
                secret=WEBHOOK_SECRET,
                events=WebhookEvent.values,
            ),
        )
        with django_capture_on_commit_callbacks(execute=True):
            verdict_publish(user=editor, claim_id=claim.pk)
    secrets |= {"webhook secret": WEBHOOK_SECRET, "webhook URL token": "hook-query-token-M2"}
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.FAILED

    text = all_logs.getvalue()
    # The flows were logged (a test that captured nothing would prove nothing)...
    assert "AXES: New login failure" in text
    assert "Unauthorized: /api/v1/claims/" in text
    assert "failed for good: HTTP 500" in text
    # ...and none of their secrets.
    assert_none_in(text, secrets)


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_logs_of_a_retried_job_hold_no_secret(live_services, editor):
    """A real worker whose DATABASE_URL and REDIS_URL carry passwords (PostgreSQL's trust auth
    and a Redis without a password ignore them) retries a webhook job: its log names neither."""
    database_url, redis_url = live_services
    secrets = {"database password": "db-pass-R4w", "redis password": "redis-pass-T8q"}
    db = urlsplit(database_url)
    user = db.username or "postgres"
    database_url = urlunsplit(db._replace(netloc=f"{user}:{secrets['database password']}@"
                                                 f"{db.hostname}:{db.port or 5432}"))  # fmt: skip
    redis = urlsplit(redis_url)
    redis_url = urlunsplit(
        redis._replace(netloc=f":{quote(secrets['redis password'])}@{redis.netloc}")
    )
    claim = ClaimFactory()
    consensus_for(claim)
    verdict = verdict_publish(user=editor, claim_id=claim.pk)  # no endpoint yet: nothing sent

    with Receiver(statuses=[500, 500]) as receiver:
        hook = webhook_services.webhook_save(
            user=editor,
            webhook=Webhook(
                name="cms",
                url=f"{receiver.url}?token=hook-query-token-M2",
                secret=WEBHOOK_SECRET,
                events=WebhookEvent.values,
            ),
        )
        secrets |= {"webhook secret": WEBHOOK_SECRET, "webhook URL token": "hook-query-token-M2"}
        # The delivery goes to this test's own worker, on its own queue.
        delivery = WebhookDelivery.objects.create(
            webhook=hook,
            event=WebhookEvent.VERDICT_PUBLISHED,
            payload={"event": "verdict.published", "verdict": verdict_payload(verdict)},
        )
        proc, log_path = start_worker(
            database_url,
            redis_url,
            name="pytest-secrets",
            queues="pytest-secrets",
            extra_env={"FACTCHECK_WEBHOOK_BACKOFF_SECONDS": "0.2"},
        )
        try:
            wait_for_worker(proc, log_path, "pytest-secrets")
            celery_app.conf.task_always_eager = False  # reset after the test by _celery_eager
            webhook_deliver_task.apply_async((delivery.pk,), queue="pytest-secrets")
            wait_for(
                lambda: WebhookDelivery.objects.get(pk=delivery.pk).status == "delivered",
                timeout=60,
            )
        finally:
            stop_worker(proc)

    text = log_path.read_text(errors="replace")
    assert len(receiver.requests) == 3
    assert len(re.findall(r"webhook_deliver_task\[[^\]]+\] retry: Retry in", text)) == 2
    assert "redis://:**@" in text  # Celery's banner shows the broker, masked
    assert_none_in(text, secrets)
