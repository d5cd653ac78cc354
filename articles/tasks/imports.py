"""Import jobs: thin wrappers around `import_batch_process` (resumable, safe to run again) and
the periodic check that resumes batches whose job died (`import_batches_recover`).

An import batch can run for many minutes, longer than the broker waits before handing an
unacknowledged job to another worker, so it is acknowledged when it starts: it is never run
twice at once because a worker was slow. A worker that dies takes the message with it; the
batch then stays queued or running with no job holding its lock, and the periodic check queues
it again (it resumes after the last recorded file) or, after a few attempts, marks it failed.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task, shared_task
from django.conf import settings

from articles.models import ImportBatch
from articles.services import imports as import_services
from articles.tasks.transient import TRANSIENT_ERRORS

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    name="articles.tasks.article_batch_import_task",
    acks_late=False,
    time_limit=settings.FACTCHECK_LONG_JOB_TIME_LIMIT,
    soft_time_limit=settings.FACTCHECK_LONG_JOB_TIME_LIMIT - 60,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=settings.FACTCHECK_JOB_RETRY_BACKOFF_MAX_SECONDS,
    max_retries=5,
)
def article_batch_import_task(self: Task[Any, Any], batch_id: int) -> dict[str, Any]:
    """Import the files of one ImportBatch; a missing batch is logged, not retried. When the
    retries for a transient error run out, the batch is marked failed (never left running)."""
    try:
        batch = import_services.import_batch_process(batch_id=batch_id)
    except TRANSIENT_ERRORS as exc:
        if self.request.retries >= (self.max_retries or 0):
            import_services.import_batch_fail(
                batch_id=batch_id, reason=f"gave up after {self.request.retries} retries: {exc!r}"
            )
        raise
    except ImportBatch.DoesNotExist:
        logger.warning("import batch %s does not exist; nothing to do", batch_id)
        return {"batch_id": batch_id, "status": "missing"}
    return {
        "batch_id": batch.pk,
        "status": batch.status,
        "imported": batch.imported,
        "duplicates": batch.duplicates,
        "rejected": batch.rejected,
    }


@shared_task(
    name="articles.tasks.import_batches_recover_task",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=settings.FACTCHECK_JOB_RETRY_BACKOFF_MAX_SECONDS,
    max_retries=3,
)
def import_batches_recover_task() -> dict[str, Any]:
    """Periodic (beat): queue again the import batches whose job is gone, fail those that
    stopped too often."""
    return import_services.import_batches_recover().as_json()
