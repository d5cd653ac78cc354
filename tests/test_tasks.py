"""Jobs: idempotency (task functions called directly), which errors are retried, the timing
rules that keep a job from running twice, and, against real PostgreSQL, Redis and Celery worker
processes, the paths a newsroom relies on: a committed annotation reaches the worker, a dead
broker loses nothing, a killed worker's job is redelivered and finished."""

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
from articles.services.consensus import claim_consensus_schedule
from articles.tasks import (
    article_batch_import_task,
    claim_contradictions_recompute_task,
    claims_find_for_articles_task,
    claims_stale_recompute_task,
    consensus_full_recompute_task,
    desk_snapshots_refresh_task,
    import_batches_recover_task,
    webhook_deliver_task,
)
from articles.tasks.transient import TRANSIENT_ERRORS
from factcheck.celery import app as celery_app
from tests.conftest import (
    reset_celery_pools,
    wait_for,
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

    first = claims_stale_recompute_task()
    state = Consensus.objects.filter(claim=claim).values().get()
    second = claims_stale_recompute_task()

    assert (first["recomputed"], first["written"]) == (1, 1)
    assert (second["recomputed"], second["written"]) == (0, 0)
    assert Consensus.objects.filter(claim=claim).values().get() == state


@pytest.mark.django_db
def test_the_sweep_job_queues_the_next_one_while_stale_claims_remain(settings, monkeypatch):
    settings.FACTCHECK_STALE_SWEEP_BATCH = 2
    settings.FACTCHECK_STALE_SWEEP_BUDGET_SECONDS = 1e-9  # one batch per job
    for _ in range(5):
        rate(ClaimFactory(), [Label.FALSE] * 3)
    Claim.objects.update(consensus_stale=True)
    runs = []
    delay = claims_stale_recompute_task.delay

    def counted_delay():
        runs.append(Claim.objects.filter(consensus_stale=True).count())
        return delay()  # eager: the next job runs now

    monkeypatch.setattr(claims_stale_recompute_task, "delay", counted_delay)

    claims_stale_recompute_task()

    assert runs == [3, 1]  # two follow-ups, each for what the one before left
    assert not Claim.objects.filter(consensus_stale=True).exists()
    assert Consensus.objects.filter(label="false").count() == 5


@pytest.mark.django_db
def test_a_full_recompute_queued_while_one_runs_is_skipped(postgres, monkeypatch):
    from articles.services.joblocks import JobKind, job_lock

    rate(ClaimFactory(), [Label.FALSE] * 3)
    ran = []

    def recompute(**kwargs):
        ran.append(1)
        return {}

    monkeypatch.setattr(consensus_services, "consensus_full_recompute", recompute)
    other = psycopg.connect(_database_url(), autocommit=True)
    try:
        other.execute("SELECT pg_advisory_lock(%s, 0)", [int(JobKind.FULL_RECOMPUTE)])
        assert consensus_full_recompute_task() == {"skipped": "another full recompute is running"}
        other.execute("SELECT pg_advisory_unlock(%s, 0)", [int(JobKind.FULL_RECOMPUTE)])
    finally:
        other.close()
    assert consensus_full_recompute_task() == {}
    assert ran == [1]
    with job_lock(JobKind.FULL_RECOMPUTE) as mine:
        assert mine  # released after the run


def _database_url():
    from tests.conftest import _database_url_for_worker

    return _database_url_for_worker()


# --- a job never runs twice at once because it outlived the visibility timeout -----------------


def test_the_job_timings_keep_every_job_from_running_twice():
    from django.conf import settings

    from articles.checks import job_timing_check

    assert job_timing_check() == []
    # The defaults bound a whole-worker crash to minutes.
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] <= 600
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["unacked_restore_throttle"] == 1


@pytest.mark.parametrize(
    ("visibility", "webhook_backoff", "jobs"),
    [
        # Shorter than the short jobs' time limit (150 s) plus their retries' backoff (60 s).
        (200, 120.0, {"claims_stale_recompute_task", "webhook_deliver_task"}),
        # A webhook retry would wait an hour holding its message.
        (300, 3600.0, {"webhook_deliver_task"}),
    ],
)
def test_a_job_that_could_outlive_the_visibility_timeout_is_refused(
    settings, visibility, webhook_backoff, jobs
):
    from articles.checks import job_timing_check

    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        "visibility_timeout": visibility,
    }
    settings.FACTCHECK_WEBHOOK_BACKOFF_MAX_SECONDS = webhook_backoff

    errors = job_timing_check()

    assert {error.id for error in errors} == {"articles.E009"}
    assert jobs <= {error.msg.split()[1].rsplit(".", 1)[1] for error in errors}
    # Jobs acknowledged when they start may run as long as they need.
    assert not any("consensus_full_recompute_task" in error.msg for error in errors)


def test_long_jobs_are_acknowledged_when_they_start_and_short_ones_after():
    long_jobs = {
        consensus_full_recompute_task.name,
        article_batch_import_task.name,
        claims_find_for_articles_task.name,
    }
    ours = {name: task for name, task in celery_app.tasks.items() if name.startswith("articles.")}
    assert {name for name, task in ours.items() if not task.acks_late} == long_jobs


# --- which errors are retried ----------------------------------------------------------------

# Every task, the service it calls and the arguments it takes.
TASKS = [
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
        import_batches_recover_task, import_services, "import_batches_recover", (), id="recover"
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


@pytest.mark.django_db  # the full recompute's job lock is a query
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


@pytest.mark.django_db
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

    claims_stale_recompute_task.delay()
    consensus = wait_for(lambda: Consensus.objects.filter(claim=claim).first(), timeout=60)
    assert consensus.label == "verified"
    wait_for(lambda: not Claim.objects.get(pk=claim.pk).consensus_stale)


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

    def paused_read(*, claim_ids):
        arrays = read_annotations(claim_ids=claim_ids)
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


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rating_in_flight_when_the_full_recompute_clears_flags_keeps_its_claim_stale(
    postgres, monkeypatch
):
    """The full recompute has read the annotations of two stale claims; a rating of one of them
    has marked it stale again (holding its lock) but not committed when the run clears flags.
    The run leaves that claim's flag (and its row) without waiting, for the sweep, which reads
    the rating; the other claim's flag is cleared."""
    from django.db import connection

    from articles.services import consensus as consensus_services

    rated, other = ClaimFactory(), ClaimFactory()
    for claim in (rated, other):
        rate(claim, [Label.VERIFIED] * 3)
    consensus_services.consensus_full_recompute()
    Claim.objects.update(consensus_stale=True)  # both lost their jobs
    # The rating's sweep is looked at below, not run when it commits.
    monkeypatch.setattr(consensus_services, "_request_sweep", lambda: True)
    read, write, rating_locked, commit = (threading.Event() for _ in range(4))
    read_snapshot = consensus_services.full_recompute_snapshot

    def snapshot_then_pause():
        snapshot = read_snapshot()
        read.set()
        write.wait(timeout=30)
        return snapshot

    monkeypatch.setattr(consensus_services, "full_recompute_snapshot", snapshot_then_pause)
    errors = []

    def full_run():
        try:
            consensus_services.consensus_full_recompute()
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    def rating():
        try:
            with transaction.atomic():
                claim_consensus_schedule(claim_id=rated.pk)
                rate(rated, [Label.FALSE])
                rating_locked.set()
                commit.wait(timeout=30)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    runner, writer = threading.Thread(target=full_run), threading.Thread(target=rating)
    runner.start()
    try:
        assert read.wait(timeout=30)
        writer.start()
        assert rating_locked.wait(timeout=30)
        write.set()
        runner.join(timeout=60)  # the run finishes while the rating still holds its claim
        assert not runner.is_alive()
    finally:
        write.set()
        commit.set()
        writer.join(timeout=30)
        runner.join(timeout=60)

    assert errors == []
    rated_now = Claim.objects.get(pk=rated.pk)
    assert rated_now.consensus_stale is True
    assert Consensus.objects.get(claim=rated).n_annotations == 3
    assert Claim.objects.get(pk=other.pk).consensus_stale is False
    assert consensus_services.claims_stale_recompute().recomputed == 1
    assert Consensus.objects.get(claim=rated).n_annotations == 4
