"""Workers killed mid-job, against real PostgreSQL, Redis and `celery worker` processes: the job
is handed out again and finishes, within the bound the settings promise.

Each test makes the sweep block inside its transaction (another connection holds the claim's
Consensus row, which the sweep's upsert must wait for), kills what runs it, then lets go.

* a prefork child SIGKILLed: its parent notices at once and puts the job back in the queue
  (acks_late with reject_on_worker_lost); the worker's next child finishes it;
* a whole worker SIGKILLed, main process and children (as a machine lost or the kernel's
  out-of-memory killer would): nobody is left to say anything, so Redis hands the job out again
  once it is older than the visibility timeout, which a running worker checks every 10 s. The
  test runs the workers with a 6 s timeout (tests/conftest.py, FAST_REDELIVERY) and requires the
  job done within that timeout plus the 10 s check plus start-up; the desk's default of 300 s
  bounds the delay to about 5 minutes the same way;
* a solo worker SIGKILLed: the same as a whole worker;
* a whole worker SIGKILLed in the middle of an import batch: a long job, acknowledged when it
  starts, so it is the periodic check that queues the batch again, and it resumes.
"""

import contextlib
import io
import os
import signal
import threading
import time

import psutil
import psycopg
import pytest
from django.utils import timezone

from articles.models import Claim, Consensus, Label
from articles.tasks import claims_stale_recompute_task
from factcheck.celery import app as celery_app
from tests.conftest import FAST_REDELIVERY, start_worker, stop_worker, wait_for, wait_for_worker
from tests.factories import AnnotationFactory, AnnotatorFactory, ClaimFactory

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

RESTORE_CHECK_S = 10  # kombu's unacked_restore_interval, as set in the Celery settings
START_UP_S = 20  # a worker process starting on a loaded machine


def stale_claim():
    """A claim rated "disputed" three times, marked stale, with an outdated Consensus row."""
    claim = ClaimFactory(consensus_stale=True)
    for _ in range(3):
        AnnotationFactory(claim=claim, annotator=AnnotatorFactory(), label=Label.DISPUTED)
    Consensus.objects.create(
        claim=claim, label="", status="pending", fingerprint="outdated", computed_at=timezone.now()
    )
    return claim


@contextlib.contextmanager
def consensus_row_held(database_url, claim):
    """Hold the claim's Consensus row from another connection for the block: a sweep that
    reaches the claim waits inside its transaction, holding the claim's lock. Yields a third
    connection to watch and end sessions with (one outside any transaction, so it sees the
    sessions as they are now)."""
    holder = psycopg.connect(database_url)
    watcher = psycopg.connect(database_url, autocommit=True)
    try:
        holder.execute(
            "SELECT claim_id FROM articles_consensus WHERE claim_id = %s FOR UPDATE", [claim.pk]
        )
        yield watcher
    finally:
        holder.rollback()
        holder.close()
        watcher.close()


def sessions_waiting(watcher):
    """The database sessions waiting for a lock (the sweep, stuck mid-job)."""
    rows = watcher.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock'"
    ).fetchall()
    return {row[0] for row in rows}


def end_sessions(watcher, pids):
    """End the killed worker's database sessions. PostgreSQL notices a dead client only when
    its session next talks to it: one stuck behind a lock that is never released would wait
    for ever, holding its claim's lock, which would make the next sweep skip the claim."""
    for pid in pids:
        watcher.execute("SELECT pg_terminate_backend(%s)", [pid])


def finished(claim):
    consensus = Consensus.objects.filter(claim=claim, fingerprint__regex=r"^[0-9a-f]{16}$")
    row = consensus.first()
    if row is None or Claim.objects.get(pk=claim.pk).consensus_stale:
        return None
    return row


def through_broker():
    celery_app.conf.task_always_eager = False  # the autouse fixture resets it


def test_a_prefork_child_killed_mid_job_has_it_rerun_at_once(live_services):
    database_url, redis_url = live_services
    claim = stale_claim()
    through_broker()
    queue = "pytest-kill-child"
    # The default visibility timeout (300 s): a finish within the test's wait is the parent's
    # doing, not Redis's.
    worker, log = start_worker(database_url, redis_url, name="parent", queues=queue, pool="prefork")
    try:
        wait_for_worker(worker, log, "parent")
        with consensus_row_held(database_url, claim) as watcher:
            claims_stale_recompute_task.apply_async(queue=queue)
            stuck = wait_for(lambda: sessions_waiting(watcher), timeout=60)
            (child,) = psutil.Process(worker.pid).children()
            child.send_signal(signal.SIGKILL)
            wait_for(lambda: "WorkerLostError" in log.read_text(), timeout=30)
            end_sessions(watcher, stuck)
        # The job is back in the queue at once and rerun by the new child; a rerun that started
        # before the dead child's session was ended skipped the claim it still locked, and the
        # next sweep (beat's, every minute in production) takes it: queue that one now.
        claims_stale_recompute_task.apply_async(queue=queue)
        consensus = wait_for(lambda: finished(claim), timeout=60)
        assert worker.poll() is None  # the worker lives on, with a new child
    finally:
        stop_worker(worker)
    assert consensus.label == "disputed"
    assert consensus.n_annotations == 3


def test_a_whole_worker_killed_mid_job_has_it_finished_within_the_visibility_timeout(
    live_services,
):
    database_url, redis_url = live_services
    claim = stale_claim()
    through_broker()
    queue = "pytest-kill-worker"
    doomed, doomed_log = start_worker(
        database_url,
        redis_url,
        name="doomed",
        queues=queue,
        pool="prefork",
        extra_env=FAST_REDELIVERY,
    )
    try:
        wait_for_worker(doomed, doomed_log, "doomed")
        with consensus_row_held(database_url, claim) as watcher:
            claims_stale_recompute_task.apply_async(queue=queue)
            stuck = wait_for(lambda: sessions_waiting(watcher), timeout=60)
            os.killpg(doomed.pid, signal.SIGKILL)  # the main process and its child, no goodbye
            killed_at = time.monotonic()
            doomed.wait()
            end_sessions(watcher, stuck)
    finally:
        if doomed.poll() is None:
            stop_worker(doomed)
    assert Claim.objects.get(pk=claim.pk).consensus_stale is True

    rescuer, rescuer_log = start_worker(
        database_url,
        redis_url,
        name="rescuer",
        queues=queue,
        pool="prefork",
        extra_env=FAST_REDELIVERY,
    )
    bound = int(FAST_REDELIVERY["CELERY_VISIBILITY_TIMEOUT"]) + RESTORE_CHECK_S + START_UP_S
    try:
        consensus = wait_for(
            lambda: finished(claim), timeout=bound - (time.monotonic() - killed_at)
        )
    finally:
        stop_worker(rescuer)
    assert consensus.label == "disputed"
    assert "claims_stale_recompute_task" in rescuer_log.read_text()


def test_a_solo_worker_killed_mid_job_has_it_finished_by_the_next(live_services):
    database_url, redis_url = live_services
    claim = stale_claim()
    through_broker()
    queue = "pytest-kill-solo"
    doomed, doomed_log = start_worker(
        database_url, redis_url, name="doomed-solo", queues=queue, extra_env=FAST_REDELIVERY
    )
    try:
        wait_for_worker(doomed, doomed_log, "doomed-solo")
        with consensus_row_held(database_url, claim) as watcher:
            claims_stale_recompute_task.apply_async(queue=queue)
            stuck = wait_for(lambda: sessions_waiting(watcher), timeout=60)
            doomed.kill()  # SIGKILL mid-job: no acknowledgement, no cleanup
            doomed.wait()
            end_sessions(watcher, stuck)
    finally:
        if doomed.poll() is None:
            stop_worker(doomed)
    assert Claim.objects.get(pk=claim.pk).consensus_stale is True

    rescuer, _ = start_worker(
        database_url, redis_url, name="rescuer-solo", queues=queue, extra_env=FAST_REDELIVERY
    )
    bound = int(FAST_REDELIVERY["CELERY_VISIBILITY_TIMEOUT"]) + RESTORE_CHECK_S + START_UP_S
    try:
        consensus = wait_for(lambda: finished(claim), timeout=bound)
    finally:
        stop_worker(rescuer)
    assert consensus.label == "disputed"


def article_upload(number):
    body = f"Council story number {number}\n\nThe council approved budget line {number} on Monday."
    return (f"story-{number}.txt", body.encode())


def test_an_import_batch_whose_worker_died_is_resumed_by_the_periodic_check(
    live_services, live_media_root, settings, monkeypatch
):
    """An import batch is acknowledged when its job starts (it may run longer than the
    visibility timeout), so the broker never hands it out again: the periodic check does, once
    no job holds it, and the next job resumes after the last recorded file."""
    from django.db import connection, transaction

    from articles.models import Article, ImportBatch
    from articles.services import imports as import_services
    from articles.tasks import article_batch_import_task

    database_url, redis_url = live_services
    settings.MEDIA_ROOT = str(live_media_root)  # the folder the workers read
    queue = "pytest-kill-import"
    monkeypatch.setattr(
        article_batch_import_task,
        "delay",
        lambda batch_id: article_batch_import_task.apply_async((batch_id,), queue=queue),
    )
    through_broker()
    # One file a group: the job records the first story before it reaches the second (with
    # the default group the three files are one group, read well within its half second).
    worker_env = {
        **FAST_REDELIVERY,
        "DJANGO_MEDIA_ROOT": str(live_media_root),
        "FACTCHECK_IMPORT_GROUP_FILES": "1",
    }
    # The second story is being imported by someone else, uncommitted: the job's insert of the
    # same article waits for it, after the first story is recorded.
    holding, release = threading.Event(), threading.Event()

    def hold_second_story():
        try:
            with transaction.atomic():
                import_services.articles_import_uploads(files=[article_upload(2)])
                holding.set()
                release.wait(timeout=120)
                transaction.set_rollback(True)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_second_story)
    holder.start()
    assert holding.wait(timeout=30)
    doomed, doomed_log = start_worker(
        database_url, redis_url, name="doomed-import", queues=queue, pool="prefork",
        extra_env=worker_env,
    )  # fmt: skip
    watcher = psycopg.connect(database_url, autocommit=True)
    try:
        wait_for_worker(doomed, doomed_log, "doomed-import")
        files = [(name, io.BytesIO(data)) for name, data in map(article_upload, (1, 2, 3))]
        batch = import_services.import_batch_create(uploads=files)
        wait_for(lambda: ImportBatch.objects.get(pk=batch.pk).processed == 1, timeout=60)
        stuck = wait_for(lambda: sessions_waiting(watcher), timeout=60)
        os.killpg(doomed.pid, signal.SIGKILL)
        doomed.wait()
        end_sessions(watcher, stuck)
    finally:
        release.set()
        holder.join(timeout=30)
        watcher.close()
        if doomed.poll() is None:
            stop_worker(doomed)

    batch.refresh_from_db()
    assert (batch.status, batch.processed, batch.attempts) == ("running", 1, 1)
    rescuer, _ = start_worker(
        database_url, redis_url, name="rescuer-import", queues=queue, pool="prefork",
        extra_env=worker_env,
    )  # fmt: skip
    try:
        # Beat runs the check every minute; its stall time is shortened here.
        assert import_services.import_batches_recover(stalled_seconds=0).requeued == [batch.pk]
        done = wait_for(
            lambda: ImportBatch.objects.filter(pk=batch.pk, status="done").first(), timeout=60
        )
    finally:
        stop_worker(rescuer)
    assert (done.imported, done.processed, done.attempts) == (3, 3, 2)
    assert sorted(Article.objects.values_list("source_name", flat=True)) == [
        "story-1.txt",
        "story-2.txt",
        "story-3.txt",
    ]
