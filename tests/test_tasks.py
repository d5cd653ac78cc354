"""Consensus jobs: idempotency (task functions called directly) and, against real PostgreSQL,
Redis and Celery worker processes, the paths a newsroom relies on: a committed annotation reaches
the worker, a dead broker loses nothing, a killed worker's job is redelivered and finished."""

import contextlib
import threading
import time

import psycopg
import pytest
from celery.exceptions import Retry
from django.db import (
    DatabaseError,
    DataError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
    transaction,
)
from kombu.exceptions import OperationalError as BrokerError

from articles.models import Claim, Consensus, ConsensusRun, Label
from articles.services import claimfinding as claimfinding_services
from articles.services import consensus as consensus_services
from articles.services import imports as import_services
from articles.services import snapshots as snapshot_services
from articles.services import webhooks as webhook_services
from articles.services.consensus import STALE_GRACE, claim_consensus_schedule
from articles.tasks import (
    article_batch_import_task,
    claim_consensus_recompute_task,
    claim_contradictions_recompute_task,
    claims_find_for_articles_task,
    claims_stale_recompute_task,
    consensus_full_recompute_task,
    desk_snapshots_refresh_task,
    webhook_deliver_task,
)
from articles.tasks.transient import TRANSIENT_ERRORS
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


# --- which errors are retried ----------------------------------------------------------------

# Every task, the service it calls and the arguments it takes.
TASKS = [
    pytest.param(
        claim_consensus_recompute_task,
        consensus_services,
        "claim_consensus_recompute",
        (7,),
        id="claim",
    ),
    pytest.param(
        claims_stale_recompute_task, consensus_services, "claims_stale_recompute", (), id="sweep"
    ),
    pytest.param(
        consensus_full_recompute_task,
        consensus_services,
        "consensus_full_recompute",
        (),
        id="full",
    ),
    pytest.param(
        article_batch_import_task, import_services, "import_batch_process", (7,), id="import"
    ),
    pytest.param(
        claims_find_for_articles_task,
        claimfinding_services,
        "claims_find_for_articles",
        ([7],),
        id="claimfinding",
    ),
    pytest.param(
        webhook_deliver_task, webhook_services, "webhook_delivery_attempt", (7,), id="webhook"
    ),
    pytest.param(
        claim_contradictions_recompute_task,
        claimfinding_services,
        "claim_contradictions_recompute",
        (7,),
        id="contradictions",
    ),
    pytest.param(
        desk_snapshots_refresh_task,
        snapshot_services,
        "desk_snapshots_refresh",
        (),
        id="desk-snapshots",
    ),
]


def failing_service(monkeypatch, module, name, error):
    calls = []

    def fail(**kwargs):
        calls.append(kwargs)
        raise error

    monkeypatch.setattr(module, name, fail)
    return calls


@pytest.mark.parametrize(("task", "module", "service", "args"), TASKS)
@pytest.mark.parametrize(
    "error",
    [
        IntegrityError("duplicate key value violates unique constraint"),
        ProgrammingError('column "labl" does not exist'),
        DataError("value too long for type character varying(16)"),
        DatabaseError("a database error of no more specific kind"),
        ValueError("a plain bug"),
    ],
    ids=type,
)
def test_task_does_not_retry_a_bug(monkeypatch, task, module, service, args, error):
    calls = failing_service(monkeypatch, module, service, error)

    # Eager and propagating: a retry would surface as celery's Retry, not the error itself.
    with pytest.raises(type(error)) as raised:
        task.apply(args=args)

    assert raised.value is error
    assert len(calls) == 1


@pytest.mark.parametrize(("task", "module", "service", "args"), TASKS)
@pytest.mark.parametrize(
    "error",
    [
        OperationalError("server closed the connection unexpectedly"),
        InterfaceError("connection already closed"),
        BrokerError("Error 111 connecting to localhost:6379. Connection refused."),
        ConnectionResetError("connection reset by peer"),
    ],
    ids=type,
)
def test_task_retries_a_transient_error(monkeypatch, task, module, service, args, error):
    calls = failing_service(monkeypatch, module, service, error)

    with pytest.raises(Retry) as raised:
        task.apply(args=args)

    assert raised.value.exc is error
    assert len(calls) == 1


def test_every_task_retries_the_same_transient_errors():
    from factcheck.celery import app

    ours = [task for name, task in app.tasks.items() if name.startswith("articles.")]
    assert len(ours) == len(TASKS)
    for task in ours:
        assert tuple(task.autoretry_for) == TRANSIENT_ERRORS, task.name
    for error in (IntegrityError, ProgrammingError, DataError, DatabaseError):
        assert not issubclass(error, TRANSIENT_ERRORS)


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
def test_full_recompute_task_on_real_worker_records_its_run(celery_live):
    for _ in range(4):
        rate(ClaimFactory(), [Label.VERIFIED] * 3)

    consensus_full_recompute_task.delay()

    run = wait_for(lambda: ConsensusRun.objects.first(), timeout=60)
    assert run.n_claims == 4
    assert run.n_written == 4
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
    claims_stale_recompute_task.delay()
    consensus = wait_for(lambda: Consensus.objects.filter(claim=claim).first(), timeout=60)
    assert consensus.label == "verified"
    wait_for(lambda: not Claim.objects.get(pk=claim.pk).consensus_stale)


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


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_racing_jobs_for_one_claim_end_on_the_latest_annotations(postgres, monkeypatch):
    """Job A has read the claim's annotations and is still computing when annotators change
    their ratings. Their write waits for A's lock on the claim, then queues job B; the stored
    consensus is B's, from the latest annotations, never A's stale result written last."""
    from django.db import connection

    from articles.services import consensus as consensus_services
    from articles.services.annotations import annotation_submit

    claim = ClaimFactory()
    annotators = [AnnotatorFactory.create() for _ in range(3)]
    for annotator in annotators[:2]:
        AnnotationFactory(claim=claim, annotator=annotator, label=Label.VERIFIED)
    consensus_services.claim_consensus_recompute(claim_id=claim.pk)
    assert Consensus.objects.get(claim=claim).status == "pending"
    # A third rating lands; job A will have a new result ("verified", settled) to write.
    AnnotationFactory(claim=claim, annotator=annotators[2], label=Label.VERIFIED)

    loaded, release = threading.Event(), threading.Event()
    read_annotations = consensus_services.claim_annotation_arrays

    def paused_read(*, claim_id):
        arrays = read_annotations(claim_id=claim_id)
        if threading.current_thread().name == "job-a":
            loaded.set()
            release.wait(timeout=30)
        return arrays

    monkeypatch.setattr(consensus_services, "claim_annotation_arrays", paused_read)
    results = {}

    def job_a():
        try:
            results["a"] = consensus_services.claim_consensus_recompute(claim_id=claim.pk)
        finally:
            connection.close()

    def change_ratings():
        try:
            with transaction.atomic():  # job B is queued when this commits (eager here)
                for annotator in annotators:
                    annotation_submit(
                        user=annotator,
                        claim_id=claim.pk,
                        label=Label.FALSE,
                        rationale="The council minutes contradict it.",
                    )
            results["writer"] = "committed"
        finally:
            connection.close()

    first = threading.Thread(target=job_a, name="job-a")
    writer = threading.Thread(target=change_ratings, name="writer")
    first.start()
    try:
        assert loaded.wait(timeout=30)
        writer.start()
        writer.join(timeout=1.0)
        assert writer.is_alive(), "the annotation write should wait for job A's lock"
    finally:
        release.set()
        first.join(timeout=30)
        if writer.ident is not None:  # started
            writer.join(timeout=30)

    assert results == {"a": {"claim_id": claim.pk, "result": "written"}, "writer": "committed"}
    consensus = Consensus.objects.get(claim=claim)
    assert consensus.label == "false"
    assert consensus.status == "settled"
    assert not Claim.objects.get(pk=claim.pk).consensus_stale
