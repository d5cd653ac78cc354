"""PostgreSQL restarted while annotators are saving, against a real server (gunicorn), a real
Celery worker and the real database server: every save either succeeds or gets the clear "try
again" answer (503 with Retry-After), nothing saved is lost, the desk works again without a
restart of its own, and the sweep brings every claim's consensus up to date.

It restarts the PostgreSQL cluster the tests run on (`pg_ctlcluster ... restart`), which ends
every other session on that server too: it runs in CI (CI=true), and elsewhere only when
FACTCHECK_TEST_RESTART_POSTGRES=1 says the server may be restarted.
"""

import http.client
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import Group, User
from django.db import connection
from django.db.models import Count

from articles.models import Annotation, Assignment, Claim, Consensus
from articles.tasks import claims_stale_recompute_task
from tests.conftest import IN_CI, ROOT, require_service, wait_for
from tests.factories import ClaimFactory

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

HOST = "127.0.0.1"
PASSWORD = "restart-test-pass"  # noqa: S105 - users of the test database
LABELS = ("verified", "disputed", "false")
_CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def postgres_cluster() -> tuple[str, str]:
    """The local cluster to restart: (version, name). Skips unless allowed (see above); fails in
    CI when it cannot be restarted."""
    if not IN_CI and os.environ.get("FACTCHECK_TEST_RESTART_POSTGRES") != "1":
        pytest.skip("restarts the PostgreSQL server: set FACTCHECK_TEST_RESTART_POSTGRES=1")
    clusters = Path("/etc/postgresql")
    versions = sorted(p.name for p in clusters.iterdir()) if clusters.is_dir() else []
    require_service(
        "a local PostgreSQL cluster that pg_ctlcluster can restart",
        bool(versions) and shutil.which("pg_ctlcluster") is not None,
    )
    return versions[0], "main"


def restart_postgres(version: str, name: str) -> None:
    subprocess.run(  # noqa: S603 - fixed argv
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart"],  # noqa: S607
        check=True,
        timeout=120,
        capture_output=True,
    )
    deadline = time.monotonic() + 60
    while subprocess.run(["pg_isready", "-q", "-h", HOST], check=False).returncode != 0:  # noqa: S603, S607
        if time.monotonic() > deadline:
            raise AssertionError("PostgreSQL did not come back within 60 s")
        time.sleep(0.2)


class Browser:
    """One annotator's browser: cookies, one request per connection."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method, path, form=None):
        conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key.strip()] = rest.split(";", 1)[0]
            return response.status, dict(response.getheaders()), data
        finally:
            conn.close()

    def form_token(self, path):
        status, headers, page = self.request("GET", path)
        found = _CSRF_INPUT.search(page)
        return status, headers, page, (found.group(1).decode() if found else "")

    def sign_in(self, username):
        status, _, _, token = self.form_token("/admin/login/")
        assert status == 200
        assert token
        status, _, _ = self.request(
            "POST",
            "/admin/login/",
            {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD},
        )
        assert status == 302
        assert "sessionid" in self.cookies


@dataclass
class Answer:
    user: str
    claim_id: int
    label: str
    method: str
    status: int
    started: float
    ended: float
    try_again: bool  # a 503 with Retry-After and the "Try again" page


def save(browser, username, claim_id, label, answers, lock):
    """GET the annotate page and POST the verdict, as the page's form does; record both."""
    path = f"/admin/desk/annotate/{claim_id}/"
    for method in ("GET", "POST"):
        started = time.monotonic()
        try:
            if method == "GET":
                status, headers, body, token = browser.form_token(path)
            else:
                form = {
                    "csrfmiddlewaretoken": token,
                    "label": label,
                    "rationale": "Checked the council minutes.",
                    "_next": "1",
                }
                status, headers, body = browser.request("POST", path, form)
        except (OSError, http.client.HTTPException):
            status, headers, body = 0, {}, b""
        answer = Answer(
            user=username,
            claim_id=claim_id,
            label=label,
            method=method,
            status=status,
            started=started,
            ended=time.monotonic(),
            try_again=status == 503 and "Retry-After" in headers and b"Try again" in body,
        )
        with lock:
            answers.append(answer)
        if status != 200 or (method == "GET" and not token):
            return answer
    return answer


def start_server(database_url, redis_url, media_root):
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port = sock.getsockname()[1]
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    log = (ROOT / "artifacts" / "gunicorn-restart.log").open("wb")
    proc = subprocess.Popen(  # noqa: S603 - fixed argv
        [gunicorn, "factcheck.wsgi:application", "--bind", f"{HOST}:{port}", "--workers", "3",
         "--worker-class", "sync", "--log-level", "warning"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
             "DJANGO_MEDIA_ROOT": str(media_root)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    log.close()

    def ready():
        if proc.poll() is not None:
            pytest.fail("gunicorn exited at start-up; see artifacts/gunicorn-restart.log")
        try:
            return Browser(port).request("GET", "/admin/login/")[0] == 200
        except OSError:
            return False

    wait_for(ready, timeout=60)
    return proc, port


def test_a_postgresql_restart_mid_traffic_loses_no_save(
    live_services, celery_live, live_media_root
):
    version, cluster = postgres_cluster()
    database_url, redis_url = live_services
    group = Group.objects.get(name="Annotators")
    # Hashed as the server checks it (the tests' own processes use a faster hasher).
    hashed = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    users = [
        User.objects.create(username=f"restart{i}", password=hashed, is_staff=True)
        for i in range(5)
    ]
    group.user_set.add(*users)
    claims = [ClaimFactory() for _ in range(30)]
    Assignment.objects.bulk_create(
        [Assignment(claim=c, annotator=u) for c in claims for u in users]
    )
    server, port = start_server(database_url, redis_url, live_media_root)
    answers: list[Answer] = []
    lock = threading.Lock()
    stop = threading.Event()
    browsers = {user.username: Browser(port) for user in users}
    for username, browser in browsers.items():
        browser.sign_in(username)

    def annotator(username, seed):
        rng = random.Random(seed)
        order = [c.pk for c in claims]
        rounds = 0
        while not stop.is_set():
            rng.shuffle(order)
            for claim_id in order:
                if stop.is_set():
                    return
                label = LABELS[(claim_id + rounds) % 3]  # each pass revises every rating
                save(browsers[username], username, claim_id, label, answers, lock)
            rounds += 1

    threads = [
        threading.Thread(target=annotator, args=(user.username, i)) for i, user in enumerate(users)
    ]
    try:
        for thread in threads:
            thread.start()
        time.sleep(3)
        restart_began = time.monotonic()
        restart_postgres(version, cluster)
        restart_ended = time.monotonic()
        time.sleep(8)  # traffic after the restart
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    connection.close()  # the test's own session ended with the restart

    try:
        # Every answer was a page, a saved form, or the clear "try again".
        wrong = [a for a in answers if a.status not in (200, 302) and not a.try_again]
        assert wrong == []
        assert any(a.started < restart_ended and a.ended > restart_began for a in answers)
        # The desk came back by itself: everything asked 2 s after the restart succeeded.
        after = [a for a in answers if a.started > restart_ended + 2]
        assert after
        assert all(a.status in (200, 302) for a in after), [a for a in after if a.status >= 400]

        # Nothing lost: what the last answer to each rating does not confirm is tried again,
        # as the page asks; then every rating holds the label last confirmed.
        last: dict[tuple[str, int], Answer] = {}
        for answer in sorted(answers, key=lambda a: a.started):
            if answer.method == "POST" or answer.status != 200:
                last[(answer.user, answer.claim_id)] = answer
        expected = {}
        for (username, claim_id), answer in last.items():
            if answer.method != "POST" or answer.status != 302:
                answer = save(browsers[username], username, claim_id, answer.label, answers, lock)
                assert (answer.method, answer.status) == ("POST", 302), answer
            expected[(username, claim_id)] = answer.label
        stored = {
            (username, claim_id): label
            for username, claim_id, label in Annotation.objects.values_list(
                "annotator__username", "claim_id", "label"
            )
        }
        assert stored == expected
    finally:
        server.terminate()
        server.wait(timeout=30)

    # Every claim's consensus catches up: the saves' sweeps, retried past the restart, and
    # beat's (queued here).
    claims_stale_recompute_task.delay()
    wait_for(lambda: not Claim.objects.filter(consensus_stale=True).exists(), timeout=120)
    counts = dict(
        Claim.objects.filter(annotations__isnull=False)
        .values_list("id")
        .annotate(n=Count("annotations"))
    )
    assert dict(Consensus.objects.values_list("claim_id", "n_annotations")) == counts
