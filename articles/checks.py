"""Django system checks for the `FACTCHECK_*` consensus settings and the jobs' timings.

Registered in `ArticlesConfig.ready()`, so `manage.py check`, `runserver`, `migrate` and a
starting Celery worker (see `factcheck/celery.py`) report a bad value at once, with its own id
(`articles.E001`...), instead of the first consensus job failing on it. The consensus rules live
in `articles.services.consensus_config.SETTING_RULES`, which the jobs apply too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error

SETTINGS_TAG = "factcheck_settings"
"""The tag these checks are registered under (`manage.py check --tag factcheck_settings`)."""


def consensus_settings_check(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """One error per invalid consensus setting."""
    # Imported when the check runs: registering it (at every start-up) stays cheap.
    from articles.services.consensus_config import SETTING_RULES

    errors: list[CheckMessage] = []
    for rule in SETTING_RULES:
        problem = rule.check()
        if problem is not None:
            errors.append(Error(problem, hint=rule.hint, id=rule.check_id))
    return errors


# A job that waits out a countdown holding its message, besides its own retries' backoff.
_COUNTDOWN_SETTINGS = {
    "articles.tasks.webhook_deliver_task": "FACTCHECK_WEBHOOK_BACKOFF_MAX_SECONDS"
}


def job_timing_check(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """One error per job that could still hold its message, unacknowledged, when the broker's
    visibility timeout expires: Redis would then hand it to a second worker while the first is
    still on it. Every job waits out its retry countdowns holding its message, so the longest
    must stay below the timeout; a job acknowledged after it runs also holds it while it runs,
    up to its hard time limit, so for those the sum must (see the Celery settings)."""
    import articles.tasks  # noqa: F401 - registers the tasks
    from factcheck.celery import app

    visibility = float(settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600))
    errors: list[CheckMessage] = []
    for name, task in sorted(app.tasks.items()):
        if not name.startswith("articles."):
            continue
        waits = [0.0]
        if getattr(task, "autoretry_for", ()):
            backoff = getattr(task, "retry_backoff", False)
            waits.append(
                float(getattr(task, "retry_backoff_max", 600))
                if backoff
                else float(task.default_retry_delay)
            )
        if name in _COUNTDOWN_SETTINGS:
            waits.append(float(getattr(settings, _COUNTDOWN_SETTINGS[name])))
        wait = max(waits)
        limit = task.time_limit or app.conf.task_time_limit if task.acks_late else 0
        if limit is None or float(limit) + wait >= visibility:
            held = f"{limit} s (time limit) + {wait:g} s" if task.acks_late else f"{wait:g} s"
            errors.append(
                Error(
                    f"job {name} may hold its message {held} (longest retry countdown), not "
                    f"below the visibility timeout of {visibility:g} s: it could run twice",
                    hint="Raise CELERY_VISIBILITY_TIMEOUT or lower CELERY_TASK_TIME_LIMIT, "
                    "FACTCHECK_JOB_RETRY_BACKOFF_MAX_SECONDS, "
                    "FACTCHECK_WEBHOOK_BACKOFF_MAX_SECONDS.",
                    id="articles.E009",
                )
            )
    return errors
