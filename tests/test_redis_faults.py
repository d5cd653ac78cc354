"""A dead Redis never holds a save: with the broker, the result backend or both unreachable (a
real Redis URL on a port nothing listens on), the annotation is committed, the claim's job is
queued if the broker is up or the claim stays marked stale, and the sweep catches it up on the
live worker. The save's speed under these faults is measured by `benchmarks/annotator_load.py`
(no timed asserts here); the retry budgets that bound it are checked below."""

import contextlib
import time

import pytest
from django.conf import settings
from django.db import transaction

from articles.models import Claim, Consensus, Label
from articles.services.consensus import claim_consensus_schedule
from articles.tasks import claims_stale_recompute_task
from factcheck.celery import app as celery_app
from tests.conftest import reset_celery_pools, wait_for
from tests.factories import AnnotationFactory, AnnotatorFactory, ClaimFactory


def test_redis_retry_budgets_are_bounded():
    # Defaults would retry a publish 3 times and a result-backend call 20 times (about 19 s).
    assert settings.CELERY_TASK_PUBLISH_RETRY_POLICY["max_retries"] == 1
    backend_policy = settings.CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS["retry_policy"]
    assert backend_policy["max_retries"] == 1
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["max_retries"] == 1
    assert settings.CELERY_REDIS_SOCKET_CONNECT_TIMEOUT <= 2
    # A save's job (the sweep) keeps no result, so queueing it never touches the result backend.
    assert claims_stale_recompute_task.ignore_result is True


def _reset_backend():
    celery_app._backend_cache = None
    with contextlib.suppress(AttributeError):
        del celery_app._local.backend


@contextlib.contextmanager
def redis_parts_down(*, broker: bool, backend: bool):
    """Point the producer's broker and/or result backend at a dead port for the block."""
    previous = (celery_app.conf.broker_url, celery_app.conf.result_backend)
    dead = previous[0].rsplit(":", 1)[0] + ":1/0"  # nothing listens on port 1
    celery_app.conf.update(
        broker_url=dead if broker else previous[0],
        result_backend=dead if backend else previous[1],
    )
    reset_celery_pools()
    _reset_backend()
    try:
        yield
    finally:
        celery_app.conf.update(broker_url=previous[0], result_backend=previous[1])
        reset_celery_pools()
        _reset_backend()


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize(
    ("broker", "backend"),
    [(True, False), (False, True), (True, True)],
    ids=["broker", "backend", "both"],
)
def test_redis_down_loses_nothing_and_the_sweep_catches_up(celery_live, broker, backend):
    claim = ClaimFactory()
    with redis_parts_down(broker=broker, backend=backend):
        with transaction.atomic():
            claim_consensus_schedule(claim_id=claim.pk)
            for _ in range(3):
                AnnotationFactory(claim=claim, annotator=AnnotatorFactory(), label=Label.FALSE)
        time.sleep(1)

    assert claim.annotations.count() == 3
    if not broker:
        # Only the result backend was down: the job went out and the worker computed it.
        wait_for(lambda: not Claim.objects.get(pk=claim.pk).consensus_stale, timeout=60)
    else:
        assert Claim.objects.get(pk=claim.pk).consensus_stale is True
        assert not Consensus.objects.filter(claim=claim).exists()
        # No result backend (nobody reads task results): wait for the sweep's effect instead.
        claims_stale_recompute_task.delay()
        wait_for(
            lambda: not Claim.objects.filter(pk=claim.pk, consensus_stale=True).exists(),
            timeout=60,
        )
    assert Consensus.objects.get(claim=claim).label == "false"
    assert Claim.objects.get(pk=claim.pk).consensus_stale is False
