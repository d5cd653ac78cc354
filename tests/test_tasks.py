"""Consensus jobs: idempotency (task functions called directly) and, against real PostgreSQL,
Redis and Celery worker processes, the paths a newsroom relies on: a committed annotation reaches
the worker, a dead broker loses nothing, a killed worker's job is redelivered and finished."""

import contextlib
import time

import psycopg
import pytest
from django.db import transaction

from articles.models import Claim, Consensus, ConsensusRun, Label
from articles.services.consensus import STALE_GRACE, claim_consensus_schedule
from articles.tasks import (
    claim_consensus_recompute_task,
    claims_stale_recompute_task,
    consensus_full_recompute_task,
)
from factcheck.celery import app as celery_app
from tests.conftest import (
    reset_celery_pools,
    start_worker,
    stop_worker,
    wait_for,
    wait_for_worker,
)
from tests.factories import AnnotationFactory, AnnotatorFactory, ClaimFactory


@contextlib.contextmanager
def broker_at(url):
    """Point the Celery app's producers at another broker URL for the block."""
    previous = celery_app.conf.broker_url

    celery_app.conf.update(broker_url=url)
    reset_celery_pools()
    try:
        yield
    finally:
        celery_app.conf.update(broker_url=previous)
        reset_celery_pools()


def rate(claim, labels):
    for label in labels:
        AnnotationFactory(claim=claim, annotator=AnnotatorFactory(), label=label)


@pytest.mark.django_db
def test_claim_consensus_recompute_task_twice_is_idempotent():
    claim = ClaimFactory(consensus_stale=True)
    rate(claim, [Label.DISPUTED] * 3)

    first = claim_consensus_recompute_task(claim.pk)
    state = Consensus.objects.filter(claim=claim).values().get()
    second = claim_consensus_recompute_task(claim.pk)

    assert first["result"] == "written"
    assert second["result"] == "unchanged"
    assert Consensus.objects.filter(claim=claim).values().get() == state


@pytest.mark.django_db
def test_claim_consensus_recompute_task_missing_claim_is_not_an_error():
    assert claim_consensus_recompute_task(123456)["result"] == "missing"


@pytest.mark.django_db
def test_consensus_full_recompute_task_twice_is_idempotent():
    for _ in range(5):
        rate(ClaimFactory(), [Label.VERIFIED, Label.VERIFIED, Label.FALSE])

    first = consensus_full_recompute_task()
    state = list(Consensus.objects.order_by("claim_id").values())
    second = consensus_full_recompute_task()

    assert first["written"] == 5
    assert second["written"] == 0
    assert list(Consensus.objects.order_by("claim_id").values()) == state
    assert ConsensusRun.objects.count() == 2


@pytest.mark.django_db
def test_claims_stale_recompute_task_twice_is_idempotent():
    claim = ClaimFactory()
    rate(claim, [Label.FALSE] * 3)
    Claim.objects.filter(pk=claim.pk).update(consensus_stale=True)
    Claim.objects.filter(pk=claim.pk).update(updated_at=claim.updated_at - STALE_GRACE * 2)

    assert claims_stale_recompute_task() == {"recomputed": 1}
    assert claims_stale_recompute_task() == {"recomputed": 0}
    assert Consensus.objects.get(claim=claim).label == "false"


# --- real PostgreSQL, Redis and Celery workers -----------------------------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_committed_annotations_reach_real_worker(celery_live):
    claim = ClaimFactory()
    with transaction.atomic():
        claim_consensus_schedule(claim_id=claim.pk)
        rate(claim, [Label.FALSE] * 3)

    consensus = wait_for(lambda: Consensus.objects.filter(claim=claim).first())
    assert consensus.label == "false"
    assert consensus.status == "settled"
    assert consensus.n_annotations == 3
    wait_for(lambda: not Claim.objects.get(pk=claim.pk).consensus_stale)


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_full_recompute_task_on_real_worker_reports_result(celery_live):
    for _ in range(4):
        rate(ClaimFactory(), [Label.VERIFIED] * 3)

    summary = consensus_full_recompute_task.delay().get(timeout=60)

    assert summary["claims"] == 4
    assert summary["written"] == 4
    assert Consensus.objects.filter(status="settled").count() == 4


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_broker_down_loses_no_annotation_and_sweep_catches_up(celery_live):
    claim = ClaimFactory()
    live_broker = celery_app.conf.broker_url
    with broker_at(live_broker.rsplit(":", 1)[0] + ":1/0"):  # nothing listens on port 1
        with transaction.atomic():
            claim_consensus_schedule(claim_id=claim.pk)
            rate(claim, [Label.VERIFIED] * 3)
        time.sleep(1)  # a message that did get through would be consumed by now

    claim.refresh_from_db()
    assert claim.annotations.count() == 3
    assert claim.consensus_stale is True
    assert not Consensus.objects.filter(claim=claim).exists()

    Claim.objects.filter(pk=claim.pk).update(updated_at=claim.updated_at - STALE_GRACE * 2)
    assert claims_stale_recompute_task.delay().get(timeout=60) == {"recomputed": 1}
    assert Consensus.objects.get(claim=claim).label == "verified"
    assert Claim.objects.get(pk=claim.pk).consensus_stale is False


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_killed_mid_job_is_redelivered_and_finished(live_services):
    database_url, redis_url = live_services
    claim = ClaimFactory(consensus_stale=True)
    rate(claim, [Label.DISPUTED] * 3)
    celery_app.conf.task_always_eager = False  # through the broker (the autouse fixture resets it)
    queue = "pytest-kill"
    fast_redelivery = {"CELERY_VISIBILITY_TIMEOUT": "2"}

    # Hold the claim's row lock from another connection: the job blocks inside its transaction.
    locker = psycopg.connect(database_url)
    locker.execute("SELECT id FROM articles_claim WHERE id = %s FOR UPDATE", [claim.pk])
    doomed, doomed_log = start_worker(
        database_url, redis_url, name="doomed", queues=queue, extra_env=fast_redelivery
    )
    try:
        wait_for_worker(doomed, doomed_log, "doomed")
        claim_consensus_recompute_task.apply_async((claim.pk,), queue=queue)
        wait_for(lambda: "received" in doomed_log.read_text())
        time.sleep(0.5)
        doomed.kill()  # SIGKILL mid-job: no acknowledgement, no cleanup
        doomed.wait()
    finally:
        locker.rollback()
        locker.close()
        if doomed.poll() is None:
            stop_worker(doomed)

    assert not Consensus.objects.filter(claim=claim).exists()
    assert Claim.objects.get(pk=claim.pk).consensus_stale is True
    time.sleep(2.5)  # past the visibility timeout: the unacknowledged job goes back to the queue

    rescuer, _ = start_worker(
        database_url, redis_url, name="rescuer", queues=queue, extra_env=fast_redelivery
    )
    try:
        consensus = wait_for(lambda: Consensus.objects.filter(claim=claim).first(), timeout=60)
    finally:
        stop_worker(rescuer)
    assert consensus.label == "disputed"
    assert Claim.objects.get(pk=claim.pk).consensus_stale is False
