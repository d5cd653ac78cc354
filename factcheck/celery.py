"""The desk's Celery application: configured from Django settings (CELERY_* names)."""

import os
from typing import Any

from celery import Celery, Task, signals, states
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")

app = Celery("factcheck")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _beat_schedule() -> dict[str, dict[str, Any]]:
    """What `celery beat` sends, and when. Set here rather than in the settings, which would have
    to import Celery's schedules (and with them most of Celery) in every process."""
    from django.conf import settings

    return {
        "recompute-stale-claims": {
            "task": "articles.tasks.claims_stale_recompute_task",
            "schedule": settings.FACTCHECK_STALE_SWEEP_SECONDS,
        },
        "full-consensus-recompute": {
            "task": "articles.tasks.consensus_full_recompute_task",
            "schedule": crontab(minute="17", hour="*"),
        },
        "refresh-desk-snapshots": {
            "task": "articles.tasks.desk_snapshots_refresh_task",
            "schedule": settings.FACTCHECK_DESK_COUNTS_SECONDS,
            # A recount still queued when the next is due is dropped, not run twice in a row.
            "options": {"expires": settings.FACTCHECK_DESK_COUNTS_SECONDS},
        },
        "recover-import-batches": {
            "task": "articles.tasks.import_batches_recover_task",
            "schedule": 60.0,
        },
    }


app.conf.beat_schedule = _beat_schedule()


@signals.worker_init.connect
def refuse_invalid_settings(**kwargs: object) -> None:
    """Stop a worker from starting on invalid consensus settings. Celery's Django support runs
    the system checks at start-up but ignores what they report; a worker that started anyway
    would fail every consensus job instead."""
    import django
    from django.core.checks import run_checks
    from django.core.management.base import SystemCheckError

    django.setup()
    from articles.checks import SETTINGS_TAG

    errors = [message for message in run_checks(tags=[SETTINGS_TAG]) if message.is_serious()]
    if errors:
        raise SystemCheckError("\n".join(str(error) for error in errors))


@signals.worker_init.connect
def keep_database_connections(**kwargs: object) -> None:
    """Give the worker's database connections their own lifetime,
    FACTCHECK_WORKER_CONN_MAX_AGE, instead of the web processes' pool: a worker slot runs one
    job at a time and keeps one connection between jobs. Runs before any task opens a
    connection; prefork children inherit the setting."""
    from django.conf import settings
    from django.db import connections

    for alias in connections:
        connections.settings[alias].get("OPTIONS", {}).pop("pool", None)
        connections.settings[alias]["CONN_MAX_AGE"] = settings.FACTCHECK_WORKER_CONN_MAX_AGE


@signals.task_prerun.connect
def database_connections_before_task(task: Task[Any, Any], **kwargs: object) -> None:
    """Before a task: close connections past their age or left unusable; the rest are kept and
    checked (CONN_HEALTH_CHECKS) before their first query, so a database restart between tasks
    costs one reconnect, not a failed job. Eager tasks run inside their caller's connection
    and transaction: left alone."""
    if task.request.is_eager:
        return
    from django.db import close_old_connections

    close_old_connections()


@signals.task_postrun.connect
def database_connections_after_task(
    task: Task[Any, Any], state: str | None = None, **kwargs: object
) -> None:
    """After a task: keep a connection that is healthy and young enough; close every connection
    after a task that did not succeed, whose connection may be mid-query or mid-transaction in
    ways Django cannot detect (a time limit interrupting a query)."""
    if task.request.is_eager:
        return
    from django.db import close_old_connections, connections

    if state == states.SUCCESS:
        close_old_connections()
    else:
        connections.close_all()
