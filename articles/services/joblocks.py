"""Locks that say "a job is working on this": PostgreSQL session advisory locks.

Long jobs (an import batch, the full recompute) are acknowledged to the broker when they start,
so a worker that dies takes their message with it and the broker never hands them to a second
worker while they run (see the Celery settings). What remains is to know whether a job is still
alive: it holds its lock for as long as it runs, on its own database connection. The lock goes
when the job ends, and also when its process dies (PostgreSQL ends the session as soon as the
connection drops), so a lock that can be taken is a job that is gone.

Without PostgreSQL (the embedded default runs jobs in process, one at a time) every lock is
granted and none is ever seen held.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)


class JobKind(enum.IntEnum):
    """The first key of each lock: which kind of job (the second is the object's id)."""

    IMPORT_BATCH = 1_517_001
    FULL_RECOMPUTE = 1_517_002


def _int4(key: int) -> int:
    # The two-key form takes two 32-bit integers.
    return key % 2**31


def _try_lock(kind: JobKind, key: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [int(kind), _int4(key)])
        row = cursor.fetchone()
    return bool(row and row[0])


def _unlock(kind: JobKind, key: int) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [int(kind), _int4(key)])
    except DatabaseError:
        # The connection is gone, and the lock with it.
        logger.info("job lock %s/%s went with its connection", kind.name, key)


@contextmanager
def job_lock(kind: JobKind, key: int = 0) -> Iterator[bool]:
    """Hold the lock of (`kind`, `key`) for the block if no one else does: yields True when
    taken (and releases it after the block), False when another session holds it."""
    if connection.vendor != "postgresql":
        yield True
        return
    taken = _try_lock(kind, key)
    try:
        yield taken
    finally:
        if taken:
            _unlock(kind, key)


def job_lock_held(kind: JobKind, key: int = 0) -> bool:
    """Whether another session holds the lock of (`kind`, `key`), i.e. its job is running."""
    if connection.vendor != "postgresql":
        return False
    if _try_lock(kind, key):
        _unlock(kind, key)
        return False
    return True
