"""Per-claim consensus jobs against real PostgreSQL, Redis and a Celery worker: jobs for one claim
coalesce while queued, a change committed after a job started still gets a recompute, and the
worker keeps its database connection between jobs (reconnecting after the server dropped it)."""

import contextlib
import threading

import psycopg
import pytest
import redis
from django.db import connection, transaction

from articles.models import Claim, Consensus, Label
from articles.services.consensus import claim_consensus_schedule
from articles.tasks import coalescing
from articles.tasks.consensus import claim_consensus_recompute_task
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
def claim_locked(database_url, claim):
    """Hold `claim`'s row lock from another connection: its job blocks inside its transaction."""
    locker = psycopg.connect(database_url)
    try:
        locker.execute("SELECT id FROM articles_claim WHERE id = %s FOR UPDATE", [claim.pk])
        yield
    finally:
        locker.rollback()
        locker.close()


def queue_length(redis_url):
    return redis.Redis.from_url(redis_url).llen("celery")


def test_ratings_on_one_claim_coalesce_while_its_job_is_queued(live_services, celery_live):
    database_url, redis_url = live_services
    blocker, burst, other = ClaimFactory(), ClaimFactory(), ClaimFactory()
    with claim_locked(database_url, blocker):
        claim_consensus_recompute_task.delay(blocker.pk)  # takes the (only) worker, waits
        wait_for(sessions_waiting_on_a_lock)
        assert queue_length(redis_url) == 0

        for _ in range(5):
            rate_once(burst)
        assert queue_length(redis_url) == 1  # five committed ratings, one queued job
        rate_once(other)
        assert queue_length(redis_url) == 2  # another claim has its own job

    consensus = wait_for(
        lambda: Consensus.objects.filter(claim=burst, n_annotations=5).first(), timeout=60
    )
    assert consensus.label == "false"
    wait_for(lambda: Consensus.objects.filter(claim=other, n_annotations=1).exists())
    wait_for(lambda: not Claim.objects.filter(consensus_stale=True).exists())


def test_rating_committed_after_its_job_started_gets_a_recompute(live_services, celery_live):
    """The job clears the claim's key when it starts, before it reads: a rating that commits
    while the job runs is not folded into a job that has already read the annotations."""
    database_url, redis_url = live_services
    claim = ClaimFactory()
    for _ in range(2):
        AnnotationFactory(claim=claim, annotator=AnnotatorFactory(), label=Label.VERIFIED)
    gate = redis.Redis.from_url(redis_url)
    results = {}

    def third_rating():
        try:
            rate_once(claim, Label.VERIFIED)  # waits for the claim's lock, then commits
            results["rating"] = "committed"
        finally:
            connection.close()

    writer = threading.Thread(target=third_rating)
    with claim_locked(database_url, claim):
        assert coalescing.claim_recompute_enqueue(claim.pk) == "queued"
        wait_for(sessions_waiting_on_a_lock)  # the job started and waits for the claim's lock
        assert not gate.exists(coalescing.queued_key(claim.pk))
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


def test_claim_recompute_enqueue_clears_its_key_when_queueing_fails(live_services, monkeypatch):
    _, redis_url = live_services
    gate = redis.Redis.from_url(redis_url)

    def broker_down(*args):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(claim_consensus_recompute_task, "delay", broker_down)
    app.conf.task_always_eager = False  # through the broker (the autouse fixture resets it)
    with pytest.raises(ConnectionError):
        coalescing.claim_recompute_enqueue(987_654)
    assert not gate.exists(coalescing.queued_key(987_654))


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
