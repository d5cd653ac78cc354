"""The desk's Celery application: configured from Django settings (CELERY_* names)."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")

app = Celery("factcheck")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


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
