"""Django system checks for the `FACTCHECK_*` consensus settings.

Registered in `ArticlesConfig.ready()`, so `manage.py check`, `runserver`, `migrate` and a
starting Celery worker (see `factcheck/celery.py`) report a bad value at once, with its own id
(`articles.E001`...), instead of the first consensus job failing on it. The rules themselves live
in `articles.services.consensus_config.SETTING_RULES`, which the jobs apply too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Error

from articles.services.consensus_config import SETTING_RULES

SETTINGS_TAG = "factcheck_settings"
"""The tag these checks are registered under (`manage.py check --tag factcheck_settings`)."""


def consensus_settings_check(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """One error per invalid consensus setting."""
    errors: list[CheckMessage] = []
    for rule in SETTING_RULES:
        problem = rule.check()
        if problem is not None:
            errors.append(Error(problem, hint=rule.hint, id=rule.check_id))
    return errors
