"""Import jobs: a thin wrapper around `import_batch_process` (resumable, safe to redeliver)."""

from __future__ import annotations

import logging
from typing import Any

from celery import Task, shared_task

from articles.models import ImportBatch
from articles.services import imports as import_services
from articles.tasks.transient import TRANSIENT_ERRORS

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    name="articles.tasks.article_batch_import_task",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=60,
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
