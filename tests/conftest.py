"""Shared fixtures.

Celery runs eagerly (in process) unless a test asks for `live_worker`, which starts a real
`celery worker` process against the real broker (its own Redis database number) and the test
database. Tests of real services skip on a laptop without DATABASE_URL/REDIS_URL and *fail* in CI
(CI=true), so CI can never pass by skipping them.
"""

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from articles.selectors.counts import DESK_COUNTS_SNAPSHOT
from articles.selectors.dashboards import ANNOTATORS_SNAPSHOT, OVERVIEW_SNAPSHOT
from articles.selectors.snapshots import snapshots_forget
from factcheck.celery import app as celery_app
from tests.factories import AnnotatorFactory, EditorFactory, ViewerFactory

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# The worker and the tests' producer use this Redis database, not the one in REDIS_URL, so a
# stray worker started by a developer can never take the tests' tasks.
TEST_REDIS_DB = int(os.environ.get("FACTCHECK_TEST_REDIS_DB", "15"))


def require_service(name: str, available: bool) -> None:
    """Skip on a laptop, fail in CI, when a real service a test needs is not configured."""
    if available:
        return
    message = f"{name} is not configured for this run"
    if IN_CI:
        pytest.fail(f"{message}; CI must run the real-service tests", pytrace=False)
    pytest.skip(message)


@pytest.fixture(autouse=True, scope="session")
def _static_root() -> None:
    # WhiteNoise warns on every request when STATIC_ROOT does not exist (collectstatic has not
    # run in a fresh checkout); the files themselves are served from the apps' folders.
    Path(settings.STATIC_ROOT).mkdir(exist_ok=True)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _celery_eager() -> Iterator[None]:
    # Setting Django's CELERY_* after the app loaded does nothing: set the app itself.
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _fresh_desk_counts() -> Iterator[None]:
    # The desk-wide snapshots are cached per database name, which every test shares: each test
    # starts (and leaves) without them. Only these keys: the cache may be a Redis database
    # other processes use.
    snapshots_forget(DESK_COUNTS_SNAPSHOT, OVERVIEW_SNAPSHOT, ANNOTATORS_SNAPSHOT)
    yield
    snapshots_forget(DESK_COUNTS_SNAPSHOT, OVERVIEW_SNAPSHOT, ANNOTATORS_SNAPSHOT)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path_factory):
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))


@pytest.fixture
def editor(db):
    return EditorFactory()


@pytest.fixture
def annotator(db):
    return AnnotatorFactory()


@pytest.fixture
def viewer(db):
    return ViewerFactory()


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def editor_client(editor):
    client = APIClient()
    client.force_authenticate(editor)
    return client


@pytest.fixture
def postgres():
    """Asserts the run is on real PostgreSQL (skip on a laptop, fail in CI otherwise)."""
    from django.db import connection

    require_service("PostgreSQL (DATABASE_URL)", connection.vendor == "postgresql")
    return connection


@pytest.fixture
def postgres_url(postgres) -> str:
    """The test database's URL, for a process of its own (a web server, a worker)."""
    return _database_url_for_worker()


def reset_celery_pools() -> None:
    """Forget Celery's cached connection and producer pools, so the next message goes to the
    broker the app's configuration names now (earlier tests may have built them on another)."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def _test_redis_url() -> str:
    parts = urlsplit(settings.REDIS_URL)
    return urlunsplit((parts.scheme, parts.netloc, f"/{TEST_REDIS_DB}", "", ""))


def _database_url_for_worker() -> str:
    from django.db import connection

    cfg = connection.settings_dict
    user = quote(cfg.get("USER") or "", safe="")
    password = quote(cfg.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = cfg.get("HOST") or "127.0.0.1"
    port = cfg.get("PORT") or "5432"
    return f"postgres://{auth}{host}:{port}/{cfg['NAME']}"


# A worker environment in which a job left by a dead worker is handed out again after 6 s (the
# timings the desk's check requires to go with it: every job done or given up well within).
FAST_REDELIVERY = {
    "CELERY_VISIBILITY_TIMEOUT": "6",
    "CELERY_TASK_TIME_LIMIT": "4",
    "CELERY_TASK_SOFT_TIME_LIMIT": "3",
    "FACTCHECK_JOB_RETRY_BACKOFF_MAX_SECONDS": "1",
    "FACTCHECK_WEBHOOK_BACKOFF_MAX_SECONDS": "1",
}


def start_worker(
    database_url: str,
    redis_url: str,
    *,
    name: str,
    queues: str = "celery",
    extra_env: dict[str, str] | None = None,
    pool: str = "solo",
) -> tuple[subprocess.Popen[bytes], Path]:
    """Start a real `celery worker` process on the given broker and database: the solo pool,
    or a prefork pool of one child (`pool="prefork"`). The worker leads its own process group,
    so a test can kill it with its children at once."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        **(extra_env or {}),
    }
    celery_bin = shutil.which("celery", path=str(Path(sys.executable).parent)) or "celery"
    log_path = ROOT / "artifacts" / f"worker-{name}.log"
    log_path.parent.mkdir(exist_ok=True)
    with log_path.open("wb") as log:
        proc = subprocess.Popen(  # noqa: S603 - fixed argv
            [celery_bin, "-A", "factcheck", "worker", f"--pool={pool}", "--concurrency=1",
             "--loglevel=INFO", "--without-gossip", "--without-mingle", "-n", f"{name}@%h",
             "-Q", queues],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    return proc, log_path


def wait_for_worker(proc: subprocess.Popen[bytes], log_path: Path, name: str) -> None:
    """Block until the worker named `name` answers a ping (fail if it exits or takes 60 s)."""
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            pytest.fail(f"celery worker exited early; see {log_path.name}")
        with celery_app.connection_for_write() as conn:
            replies = celery_app.control.ping(timeout=1.0, connection=conn)
        if any(name in key for reply in replies for key in reply):
            return
        if time.monotonic() > deadline:
            pytest.fail("celery worker did not answer a ping within 60 s")


def stop_worker(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session")
def live_services(django_db_setup, django_db_blocker) -> Iterator[tuple[str, str]]:
    """The test database's URL and the tests' own Redis database, with the Celery app pointed at
    that broker for the session. Skips on a laptop without them; fails in CI."""
    from django.db import connection

    require_service("Redis (REDIS_URL)", bool(settings.REDIS_URL))
    with django_db_blocker.unblock():
        require_service("PostgreSQL (DATABASE_URL)", connection.vendor == "postgresql")
        database_url = _database_url_for_worker()
    redis_url = _test_redis_url()
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    previous = {"broker_url": celery_app.conf.broker_url}
    celery_app.conf.update(broker_url=redis_url)
    reset_celery_pools()
    try:
        yield database_url, redis_url
    finally:
        celery_app.conf.update(previous)
        reset_celery_pools()
        # A worker killed on purpose can leave its database session behind for a while; end
        # such sessions so the test database can be dropped.
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture(scope="session")
def live_media_root(tmp_path_factory) -> Path:
    """The media folder the live worker reads (import batch archives); a test that hands the
    worker files sets `settings.MEDIA_ROOT` to it."""
    return tmp_path_factory.mktemp("live-media")


@pytest.fixture(scope="session")
def live_worker(live_services, live_media_root) -> Iterator[subprocess.Popen[bytes]]:
    """A real `celery worker` process on the real broker, writing to the test database."""
    database_url, redis_url = live_services
    proc, log_path = start_worker(
        database_url,
        redis_url,
        name="pytest-live",
        extra_env={"DJANGO_MEDIA_ROOT": str(live_media_root)},
    )
    try:
        celery_app.conf.task_always_eager = False
        wait_for_worker(proc, log_path, "pytest-live")
        yield proc
    finally:
        stop_worker(proc)


@pytest.fixture
def celery_live(live_worker):
    """Per test: tasks go through the real broker to the live worker (not eager)."""
    celery_app.conf.task_always_eager = False
    return live_worker


def wait_for(predicate, *, timeout: float = 30.0, interval: float = 0.2):
    """Poll `predicate` until it returns a truthy value or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)
