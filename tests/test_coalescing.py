"""Consensus sweeps against real PostgreSQL, Redis and a Celery worker: changes coalesce into the
one sweep queued and not started, a change committed after a sweep started still gets a
recompute, and the worker keeps its database connection between jobs (reconnecting after the
server dropped it)."""

import contextlib
import threading

import psycopg
import pytest
import redis
from django.db import connection, transaction
from django.utils import timezone

from articles.models import Claim, Consensus, Label
from articles.services.consensus import claim_consensus_schedule
from articles.tasks import coalescing
from articles.tasks.consensus import claims_stale_recompute_task
from factcheck.celery import app
from tests.conftest import wait_for
from tests.factories import AnnotationFactory, AnnotatorFactory, ClaimFactory

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def rate_once(claim, label=Label.FALSE):
    """One committed rating by a new annotator, as the services write it."""
    with transaction.atomic():
        claim_consensus_schedule(claim_id=claim.pk)
        AnnotationFactory(claim=claim, annotator=AnnotatorFactory(), label=label)


def other_backends():
    """(pid, start) of this database's client sessions other than the test's own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, backend_start FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        return set(cursor.fetchall())


def sessions_waiting_on_a_lock():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@contextlib.contextmanager
def consensus_row_held(database_url, claim):
    """Hold `claim`'s Consensus row from another connection: a sweep that recomputes the claim
    waits inside its transaction, holding the claim's lock."""
    locker = psycopg.connect(database_url)
    try:
        locker.execute(
            "SELECT claim_id FROM articles_consensus WHERE claim_id = %s FOR UPDATE", [claim.pk]
        )
        yield
    finally:
        locker.rollback()
        locker.close()


def test_ratings_coalesce_into_the_sweep_queued_and_not_started(live_services, monkeypatch):
    _, redis_url = live_services
    queue = "pytest-coalesce"  # no worker takes it: the sweep stays queued, not started
    gate = redis.Redis.from_url(redis_url)
    gate.delete(queue, coalescing.QUEUED_KEY)
    monkeypatch.setattr(
        claims_stale_recompute_task,
        "delay",
        lambda: claims_stale_recompute_task.apply_async(queue=queue),
    )
    app.conf.task_always_eager = False  # through the broker (the autouse fixture resets it)
    burst, other = ClaimFactory(), ClaimFactory()

    for _ in range(5):
        rate_once(burst)
    rate_once(other)

    assert gate.llen(queue) == 1  # six committed ratings on two claims, one queued sweep
    assert Claim.objects.filter(consensus_stale=True).count() == 2
    # The sweep starts (here, called in process): it clears the key first, then takes both.
    assert claims_stale_recompute_task()["recomputed"] == 2
    assert not gate.exists(coalescing.QUEUED_KEY)
    assert Consensus.objects.get(claim=burst).n_annotations == 5
    assert Consensus.objects.get(claim=other).n_annotations == 1
    gate.delete(queue)


def test_rating_committed_after_the_sweep_started_gets_a_recompute(live_services, celery_live):
    """The sweep clears the key when it starts, before it reads: a rating that commits while
    the sweep runs is not folded into a sweep that has already read the annotations."""
    database_url, redis_url = live_services
    claim = ClaimFactory()
    for _ in range(2):
        AnnotationFactory(claim=claim, annotator=AnnotatorFactory(), label=Label.VERIFIED)
    Consensus.objects.create(
        claim=claim, label="", status="pending", fingerprint="outdated", computed_at=timezone.now()
    )
    Claim.objects.filter(pk=claim.pk).update(consensus_stale=True)
    gate = redis.Redis.from_url(redis_url)
    results = {}

    def third_rating():
        try:
            rate_once(claim, Label.VERIFIED)  # waits for the claim's lock, then commits
            results["rating"] = "committed"
        finally:
            connection.close()

    writer = threading.Thread(target=third_rating)
    with consensus_row_held(database_url, claim):
        assert coalescing.sweep_request() == "queued"
        wait_for(sessions_waiting_on_a_lock)  # the sweep started, holds the claim, waits
        assert not gate.exists(coalescing.QUEUED_KEY)
        writer.start()
        wait_for(lambda: not writer.is_alive() or sessions_waiting_on_a_lock() >= 2)
    writer.join(timeout=60)

    assert results == {"rating": "committed"}
    consensus = wait_for(
        lambda: Consensus.objects.filter(claim=claim, n_annotations=3).first(), timeout=60
    )
    assert consensus.label == "verified"
    assert consensus.status == "settled"
    wait_for(lambda: not Claim.objects.get(pk=claim.pk).consensus_stale)


def test_sweep_request_clears_its_key_when_queueing_fails(live_services, monkeypatch):
    _, redis_url = live_services
    gate = redis.Redis.from_url(redis_url)
    gate.delete(coalescing.QUEUED_KEY)

    def broker_down(*args):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(claims_stale_recompute_task, "delay", broker_down)
    app.conf.task_always_eager = False  # through the broker (the autouse fixture resets it)
    with pytest.raises(ConnectionError):
        coalescing.sweep_request()
    assert not gate.exists(coalescing.QUEUED_KEY)


def test_worker_keeps_its_database_connection_between_jobs(celery_live):
    claims = [ClaimFactory() for _ in range(4)]
    # Drop every other session, the worker's included: its next job must reconnect (health check).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    wait_for(lambda: not other_backends())

    rate_once(claims[0])
    wait_for(lambda: Consensus.objects.filter(claim=claims[0]).exists())
    wait_for(lambda: not Claim.objects.get(pk=claims[0].pk).consensus_stale)
    after_first = other_backends()
    assert len(after_first) == 1  # the worker's session, kept after its job

    for claim in claims[1:]:
        rate_once(claim)
    wait_for(lambda: not Claim.objects.filter(consensus_stale=True).exists())
    assert other_backends() == after_first  # the same session served every job
