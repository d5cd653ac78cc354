"""The one list of errors a task retries: failures that go away by themselves (a database or
broker that restarted, a dropped connection). Everything else (`IntegrityError`,
`ProgrammingError`, `DataError`: bugs or bad data) raises once and shows in the logs; retrying a
bug only repeats it."""

from __future__ import annotations

from typing import Final

import redis.exceptions
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError

TRANSIENT_ERRORS: Final[tuple[type[BaseException], ...]] = (
    # Database: connection lost, server restarting, serialisation failure, lock timeout.
    OperationalError,
    InterfaceError,
    # Broker and result backend: kombu wraps transport errors in its OperationalError; the
    # Redis client and plain sockets raise their own.
    BrokerOperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    ConnectionError,
    TimeoutError,
)
