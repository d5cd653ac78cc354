"""No secret in a log line: every log record the process creates is redacted before any handler
sees it (the console, Celery's own handlers in a worker, gunicorn's, a test's capture).

The desk's own code logs ids, never keys, passwords or URLs with credentials; this is the net
under it, for messages and tracebacks written by libraries (a connection error quoting a URL, a
webhook receiver's error naming its address). What it masks:

- the password of a URL (`postgres://user:***@host`, `redis://:***@host`);
- the desk's API keys (`fc_...`) and `Authorization: Token|Bearer|Basic` values;
- `sessionid`, `csrftoken`, `password`, `secret`, `token`, `api_key`, `signature` values written
  as `name=value` or `name: value` (cookies, query strings, form dumps).

Installed by Django's LOGGING_CONFIG (`configure_logging`), so web processes, commands and
Celery workers (which set Django up) all get it. The same masking cleans URL settings in Django's
error reports (`SecretsReporterFilter`).
"""

from __future__ import annotations

import logging
import logging.config
import re
from typing import Any

from django.views.debug import SafeExceptionReporterFilter

MASK = "***"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # scheme://user:password@host -> scheme://user:***@host (an empty user too: redis://:pw@)
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s:/@]*:)[^\s@/]+@", re.IGNORECASE), rf"\1{MASK}@"),
    # The desk's API keys (articles.services.tokens.KEY_PREFIX and 40 URL-safe characters).
    (re.compile(r"\bfc_[A-Za-z0-9_-]{16,}"), f"fc_{MASK}"),
    (re.compile(r"(\b(?:Token|Bearer|Basic)\s+)[A-Za-z0-9._~+/=-]{8,}"), rf"\1{MASK}"),
    (
        re.compile(
            r"(\b(?:sessionid|csrftoken|csrfmiddlewaretoken|password|passwd|secret|token|"
            r"api_key|apikey|signature)[\"']?\s*[=:]\s*[\"']?)[^\s\"'&;,]+",
            re.IGNORECASE,
        ),
        rf"\1{MASK}",
    ),
)


def redact(text: str) -> str:
    """`text` with every secret it recognises replaced by `***`."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Redact a record's message and traceback in place. The message template and its
    arguments are kept when nothing needed masking (log tools group by template)."""
    try:
        message = record.getMessage()
    except (TypeError, ValueError, KeyError):  # a bad format string: the handler reports it
        return record
    cleaned = redact(message)
    if cleaned != message:
        record.msg, record.args = cleaned, None
    if record.exc_info and not record.exc_text:
        text = logging.Formatter().formatException(record.exc_info)
        cleaned = redact(text)
        if cleaned != text:
            record.exc_text = cleaned
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


class _RedactingFactory:
    """Wraps the log record factory in force (marked, so it is installed once)."""

    def __init__(self, wrapped: Any) -> None:
        self.wrapped = wrapped

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact_record(self.wrapped(*args, **kwargs))


def install_record_factory() -> None:
    current = logging.getLogRecordFactory()
    if not isinstance(current, _RedactingFactory):
        logging.setLogRecordFactory(_RedactingFactory(current))


def configure_logging(config: dict[str, Any]) -> None:
    """Django's LOGGING_CONFIG: redact every record, then apply settings.LOGGING."""
    install_record_factory()
    logging.config.dictConfig(config)


class SecretsReporterFilter(SafeExceptionReporterFilter):
    """Django's error reports (the DEBUG page, mailed reports) hide settings whose names look
    secret; this also masks credentials inside values such as REDIS_URL or CACHES' LOCATION."""

    def cleanse_setting(self, key: Any, value: Any) -> Any:
        cleaned = super().cleanse_setting(key, value)
        # str() as well: a lazy string (a SimpleLazyObject) passes isinstance but not re.sub.
        return redact(str(cleaned)) if isinstance(cleaned, str) else cleaned
