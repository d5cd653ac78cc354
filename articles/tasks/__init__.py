"""Celery tasks: thin wrappers named `<service>_task` that take primitive IDs and call one service.

Split by area so each module stays small; importing them here registers them with
`autodiscover_tasks()`. Importing this package also loads the desk's Celery app, so the tasks
(whose `shared_task` proxies find the app when first used) run and are sent on it, not on
Celery's unconfigured default app.
"""

import factcheck.celery  # noqa: F401  (see above)
from articles.tasks.claimfinding import (
    claim_contradictions_recompute_task,
    claims_find_for_articles_task,
)
from articles.tasks.consensus import (
    claims_stale_recompute_task,
    consensus_full_recompute_task,
)
from articles.tasks.imports import article_batch_import_task, import_batches_recover_task
from articles.tasks.snapshots import desk_snapshots_refresh_task
from articles.tasks.webhooks import webhook_deliver_task

__all__ = [
    "article_batch_import_task",
    "claim_contradictions_recompute_task",
    "claims_find_for_articles_task",
    "claims_stale_recompute_task",
    "consensus_full_recompute_task",
    "desk_snapshots_refresh_task",
    "import_batches_recover_task",
    "webhook_deliver_task",
]
