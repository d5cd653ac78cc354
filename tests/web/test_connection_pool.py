"""A threaded web server keeps its PostgreSQL connections bounded by the pool's size, however many
requests it serves at once (issue 15: CONN_MAX_AGE kept one per thread, and runserver starts a
thread per request, until PostgreSQL refused clients)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from tests.web.servers import fetch, web_server

POOL_SIZE = 4
CONCURRENT = 40
ROUNDS = 3
APP_NAME = "fc-pool-test"


def server_connections(conninfo: str) -> int:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s",
            [APP_NAME],
        ).fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("kind", ["runserver", "gunicorn"])
def test_threaded_server_holds_at_most_the_pool_size_of_connections(kind, postgres_url):
    env = {
        "DATABASE_POOL_MAX_SIZE": str(POOL_SIZE),
        "DATABASE_POOL_TIMEOUT": "20",
        "FACTCHECK_API_PUBLIC_VERDICTS": "true",
        "FACTCHECK_THROTTLE_ANON": "100000/minute",
        "FACTCHECK_THROTTLE_EXPORT": "100000/minute",
    }
    server_url = f"{postgres_url}?application_name={APP_NAME}"
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            while not done.wait(0.02):
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND application_name = %s",
                    [APP_NAME],
                ).fetchone()
                assert row is not None
                peak = max(peak, int(row[0]))

    with web_server(kind, database_url=server_url, env=env, threads=CONCURRENT) as base:
        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            with ThreadPoolExecutor(CONCURRENT) as pool:
                statuses = [
                    answer.status
                    for _ in range(ROUNDS)
                    for answer in pool.map(
                        lambda _: fetch(f"{base}/api/v1/verdicts/"), range(CONCURRENT)
                    )
                ]
        finally:
            done.set()
            sampler.join()
        held_after = server_connections(postgres_url)

    assert statuses == [200] * (CONCURRENT * ROUNDS)
    # Every request reached the database through the pool, never more than its size at once.
    assert 1 <= peak <= POOL_SIZE
    assert held_after <= POOL_SIZE
