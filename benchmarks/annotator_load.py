"""Twenty annotators rating claims over HTTP, the way the admin's annotate page does it, against
a running server and a real Celery worker: save latency, and the delay until the consensus
includes each save.

    DATABASE_URL=postgres://USER@HOST:5432/DB REDIS_URL=redis://127.0.0.1:6379/N \\
        python benchmarks/annotator_load.py [--annotators 20] [--seconds 30] [--rounds 1]

Creates a scratch database beside the one in DATABASE_URL (its name plus `_bench_load`), with
the annotators (signed in with their passwords) and, for each phase, fresh claims assigned to
all of them. Starts a Celery worker as `celery -A factcheck worker` would (prefork, one process
per CPU) on its own queue of the Redis database in REDIS_URL, and gunicorn servers
(`factcheck.wsgi`, sync workers, on 127.0.0.1). Each annotator is a thread with its own session:
it signs in through the admin's login form, then for each claim GETs the annotate page (for
its form and CSRF token) and POSTs the verdict form ("Save and next"); a save is its POST, and
a 302 is the only right answer. Phases, interleaved, each for --seconds:
  * paced: every annotator saves once a second (a save every 1 s from their start, offset so
    the twenty spread over the second);
  * unpaced: every annotator saves as fast as the server answers;
each with the consensus jobs before this design (per-claim jobs, benchmarks/burst_baseline.py,
on a server configured by benchmarks/gunicorn_bench.py) and with the desk's sweeps.
A monitor polls the consensus rows of claims awaiting a save every 10 ms (the delay's
resolution); a save counts as included when its claim's consensus counts at least as many
annotations as there were when its answer came back. Prints per phase saves per second, save
latency p50/p95, delay to consensus p50/p95 (also over the last third of the phase: a backlog
that grows shows there), the drain time after the last save, and errors. Exits 1 unless the
sweeps' phases have no error, a paced delay p95 of at most 150 ms and an unpaced drain of at
most 1 s.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
QUEUE = "bench-load"
HOST = "127.0.0.1"
PASSWORD = "load-bench-pass"  # noqa: S105 - scratch users of a scratch database
POLL_S = 0.01
TARGET_PACED_P95_S = 0.150
TARGET_DRAIN_S = 1.0
_CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


# --- the desk's data ------------------------------------------------------------------------


def _annotators(n: int) -> list[str]:
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User

    group = Group.objects.get(name="Annotators")
    password = make_password(PASSWORD)
    users = User.objects.bulk_create(
        [User(username=f"load{i}", password=password, is_staff=True) for i in range(n)]
    )
    group.user_set.add(*users)
    return [user.username for user in users]


def _claims(n: int, phase: str) -> list[int]:
    """`n` claims, each anchored in an article and assigned to every annotator."""
    from django.contrib.auth.models import User

    from articles.models import Article, Assignment, Claim, ClaimAppearance

    sentence = "The council approved a budget of 3.2 million euros on Monday."
    body = " ".join([sentence] * 3)
    article = Article.objects.create(
        title=f"Load article {phase}",
        body=body,
        raw=body,
        source_format=Article.SourceFormat.TEXT,
        content_hash=f"load-{phase}",
    )
    claims = Claim.objects.bulk_create(
        [Claim(text=f"{phase} claim {i}: {sentence}", required_annotations=3) for i in range(n)]
    )
    ClaimAppearance.objects.bulk_create(
        [
            ClaimAppearance(claim=c, article=article, start=0, end=len(sentence), quote=sentence)
            for c in claims
        ]
    )
    users = list(User.objects.filter(username__startswith="load"))
    Assignment.objects.bulk_create(
        [Assignment(claim=c, annotator=u) for c in claims for u in users], batch_size=5000
    )
    return [c.pk for c in claims]


# --- an annotator ------------------------------------------------------------------------------


class Session:
    """One browser: cookies, and requests on a fresh connection each (sync gunicorn workers
    close every connection)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{HOST}:{self.port}{path}"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
            return response.status, data
        finally:
            conn.close()

    def csrf_form(self, path: str) -> tuple[int, str]:
        status, page = self.request("GET", path)
        found = _CSRF_INPUT.search(page)
        return status, found.group(1).decode() if found else ""

    def sign_in(self, username: str) -> None:
        status, token = self.csrf_form("/admin/login/")
        if status != 200 or not token:
            raise SystemExit(f"the login page answered {status}")
        status, _ = self.request(
            "POST",
            "/admin/login/",
            {
                "csrfmiddlewaretoken": token,
                "username": username,
                "password": PASSWORD,
                "next": "/admin/",
            },
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"{username} could not sign in ({status})")


@dataclass
class Phase:
    design: str  # "before" (per-claim jobs) or "after" (sweeps)
    pace: str  # "paced" or "unpaced"
    seconds: float = 0.0
    saves: list[tuple[int, float, float]] = field(default_factory=list)  # claim, sent, answered
    errors: list[str] = field(default_factory=list)
    delays: list[tuple[float, float]] = field(default_factory=list)  # answered, delay
    drain_s: float = float("nan")

    @property
    def name(self) -> str:
        return f"{self.pace} {self.design}"

    def save_latency(self, q: float) -> float:
        return _quantile([answered - sent for _, sent, answered in self.saves], q)

    def delay(self, q: float, *, last_third: bool = False) -> float:
        if not self.delays:
            return float("nan")
        start = min(t for t, _ in self.delays)
        end = max(t for t, _ in self.delays)
        cut = start + (end - start) * 2 / 3 if last_third else float("-inf")
        return _quantile([d for t, d in self.delays if t >= cut], q)


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _annotate(
    session: Session,
    claims: list[int],
    phase: Phase,
    lock: threading.Lock,
    *,
    start: float,
    end: float,
    interval: float | None,
    offset: float,
    on_save: Any,
) -> None:
    labels = ["verified", "disputed", "false"]
    for k, claim_id in enumerate(claims):
        if interval is not None:
            due = start + offset + k * interval
            if due >= end:
                return
            time.sleep(max(0.0, due - time.monotonic()))
        elif time.monotonic() >= end:
            return
        path = f"/admin/desk/annotate/{claim_id}/"
        try:
            status, token = session.csrf_form(path)
            if status != 200 or not token:
                raise RuntimeError(f"GET {path} answered {status}")
            form = {
                "csrfmiddlewaretoken": token,
                "label": labels[(claim_id + k) % 3],
                "confidence": "70",
                "rationale": "Checked the minutes of the council meeting.",
                "evidence_links": "https://example.org/minutes",
                "_next": "1",
            }
            sent = time.monotonic()
            status, _ = session.request("POST", path, form)
            answered = time.monotonic()
            if status != 302:
                raise RuntimeError(f"POST {path} answered {status}")
        except (OSError, RuntimeError, http.client.HTTPException) as exc:
            with lock:
                phase.errors.append(str(exc))
            continue
        with lock:
            phase.saves.append((claim_id, sent, answered))
        on_save(claim_id, answered)


def _run_phase(
    phase: Phase,
    *,
    port: int,
    usernames: list[str],
    claims: list[int],
    seconds: float,
) -> None:
    from django.db import connection

    from articles.models import Consensus

    sessions = [Session(port) for _ in usernames]
    for session, username in zip(sessions, usernames, strict=True):
        session.sign_in(username)
    lock = threading.Lock()
    # Per claim, the answer times of its saves (in order) and when its consensus first counted
    # n annotations.
    answered: dict[int, list[float]] = {}
    reached: dict[tuple[int, int], float] = {}
    pending: set[int] = set()
    done = threading.Event()

    def on_save(claim_id: int, at: float) -> None:
        with lock:
            answered.setdefault(claim_id, []).append(at)
            pending.add(claim_id)

    def monitor() -> None:
        seen: dict[int, int] = {}
        try:
            while not done.is_set():
                with lock:
                    watch = list(pending)
                now = time.monotonic()
                rows = Consensus.objects.filter(claim_id__in=watch).values_list(
                    "claim_id", "n_annotations"
                )
                for claim_id, n in rows:
                    for m in range(seen.get(claim_id, 0) + 1, n + 1):
                        reached[(claim_id, m)] = now
                    seen[claim_id] = max(seen.get(claim_id, 0), n)
                    with lock:
                        if n >= len(answered.get(claim_id, ())):
                            pending.discard(claim_id)
                time.sleep(POLL_S)
        finally:
            connection.close()

    watcher = threading.Thread(target=monitor)
    watcher.start()
    start = time.monotonic() + 0.5
    end = start + seconds
    interval = 1.0 if phase.pace == "paced" else None
    threads = []
    for i, session in enumerate(sessions):
        mine = claims[:]
        random.Random(i).shuffle(mine)
        threads.append(
            threading.Thread(
                target=_annotate,
                args=(session, mine, phase, lock),
                kwargs={
                    "start": start,
                    "end": end,
                    "interval": interval,
                    "offset": i / len(sessions),
                    "on_save": on_save,
                },
            )
        )
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    last = max((a for _, _, a in phase.saves), default=time.monotonic())
    phase.seconds = last - start
    expected = [
        (claim_id, n, at)
        for claim_id, times in answered.items()
        for n, at in enumerate(sorted(times), start=1)
    ]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not all((c, n) in reached for c, n, _ in expected):
        time.sleep(POLL_S)
    done.set()
    watcher.join()
    phase.delays = [(at, reached[(c, n)] - at) for c, n, at in expected if (c, n) in reached]
    if len(phase.delays) == len(expected):
        phase.drain_s = max(
            0.0, max((reached[(c, n)] for c, n, _ in expected), default=last) - last
        )
    else:
        phase.errors.append(f"{len(expected) - len(phase.delays)} saves never reached a consensus")


# --- servers ---------------------------------------------------------------------------------


def _start_server(
    scratch: str, redis_url: str, port: int, workers: int, *, per_claim: bool
) -> subprocess.Popen[bytes]:
    import shutil

    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    return subprocess.Popen(  # noqa: S603 - fixed argv
        [gunicorn, "factcheck.wsgi:application", "--bind", f"{HOST}:{port}",
         "--workers", str(workers), "--worker-class", "sync", "--log-level", "warning",
         "-c", "python:benchmarks.gunicorn_bench"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": scratch, "REDIS_URL": redis_url,
             "BENCH_QUEUE": QUEUE, "BENCH_PER_CLAIM": "1" if per_claim else ""},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _wait_http(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the server exited at start-up")
        try:
            status, _ = Session(port).request("GET", "/admin/login/")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not answer within 60 s")


def _report(phase: Phase) -> str:
    return (
        f"{phase.name:16} {len(phase.saves) / max(phase.seconds, 1e-9):6.1f} saves/s  "
        f"save p50 {phase.save_latency(0.5) * 1000:5.0f} ms p95 "
        f"{phase.save_latency(0.95) * 1000:5.0f} ms  "
        f"consensus delay p50 {phase.delay(0.5) * 1000:6.0f} ms p95 "
        f"{phase.delay(0.95) * 1000:6.0f} ms (last third p95 "
        f"{phase.delay(0.95, last_third=True) * 1000:6.0f} ms)  drain {phase.drain_s:5.2f} s  "
        f"errors {len(phase.errors)}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annotators", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0, help="Length of each phase.")
    parser.add_argument("--rounds", type=int, default=1, help="Rounds of the four phases.")
    parser.add_argument(
        "--server-workers", type=int, default=2 * (os.cpu_count() or 1) + 1,
        help="gunicorn sync workers (default: 2 per CPU plus one)",
    )  # fmt: skip
    args = parser.parse_args()

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from benchmarks.workers import (
        ServicesMissingError,
        scratch_drop,
        scratch_prepare,
        stop_process,
    )

    try:
        url, redis_url, scratch = scratch_prepare("load")
    except ServicesMissingError as missing:
        print(missing)
        return 2
    os.environ["DATABASE_URL"] = scratch
    os.environ["REDIS_URL"] = redis_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    sys.path.insert(0, str(ROOT))
    procs: list[subprocess.Popen[bytes]] = []
    try:
        import django

        django.setup()
        import redis
        from django.core.management import call_command

        from benchmarks.workers import start_worker, wait_ready
        from factcheck.celery import app

        call_command("migrate", verbosity=0)
        usernames = _annotators(args.annotators)
        redis.Redis.from_url(redis_url).flushdb()
        worker_name = f"load-{os.getpid()}"
        worker = start_worker(
            database_url=scratch,
            redis_url=redis_url,
            queue=QUEUE,
            name=worker_name,
            include=["benchmarks.burst_baseline"],
            pool="prefork",
            concurrency=os.cpu_count() or 1,
        )
        procs.append(worker)
        app.conf.task_default_queue = QUEUE
        wait_ready(app, worker, worker_name)
        ports = {"before": _free_port(), "after": _free_port()}
        for design in ("before", "after"):
            server = _start_server(
                scratch, redis_url, ports[design], args.server_workers, per_claim=design == "before"
            )
            procs.append(server)
            _wait_http(ports[design], server)

        per_annotator = {"paced": int(args.seconds) + 5, "unpaced": int(args.seconds * 20) + 20}
        results: dict[str, list[Phase]] = {}
        for round_ in range(args.rounds):
            for pace in ("paced", "unpaced"):
                for design in ("before", "after"):
                    phase = Phase(design, pace)
                    claims = _claims(per_annotator[pace], f"r{round_}-{pace}-{design}")
                    _run_phase(
                        phase,
                        port=ports[design],
                        usernames=usernames,
                        claims=claims,
                        seconds=args.seconds,
                    )
                    results.setdefault(phase.name, []).append(phase)
                    print(f"round {round_ + 1}  {_report(phase)}")
                    for error in sorted(set(phase.errors))[:5]:
                        print(f"    error: {error}")

        def median(name: str, value: Any) -> float:
            return float(statistics.median(value(p) for p in results[name]))

        print(
            f"median of {args.rounds} round(s); {args.annotators} annotators, "
            f"{args.seconds:.0f} s a phase, {args.server_workers} gunicorn workers "
            "(before: per-claim jobs; after: sweeps):"
        )
        for pace in ("paced", "unpaced"):
            for design in ("before", "after"):
                key = f"{pace} {design}"
                print(
                    f"  {key:16} {median(key, lambda p: len(p.saves) / p.seconds):6.1f} saves/s  "
                    f"save p50 {median(key, lambda p: p.save_latency(0.5)) * 1000:5.0f} ms "
                    f"p95 {median(key, lambda p: p.save_latency(0.95)) * 1000:5.0f} ms  "
                    f"delay p50 {median(key, lambda p: p.delay(0.5)) * 1000:6.0f} ms "
                    f"p95 {median(key, lambda p: p.delay(0.95)) * 1000:6.0f} ms  "
                    f"drain {median(key, lambda p: p.drain_s):5.2f} s  "
                    f"errors {median(key, lambda p: len(p.errors)):.0f}"
                )
        paced_p95 = median("paced after", lambda p: p.delay(0.95))
        drain = median("unpaced after", lambda p: p.drain_s)
        errors = sum(
            len(p.errors) for key in ("paced after", "unpaced after") for p in results[key]
        )
        print(
            f"after: errors {errors} (target 0), paced delay p95 {paced_p95 * 1000:.0f} ms "
            f"(target <= {TARGET_PACED_P95_S * 1000:.0f} ms), unpaced drain {drain:.2f} s "
            f"(target <= {TARGET_DRAIN_S:.0f} s)"
        )
        met = errors == 0 and paced_p95 <= TARGET_PACED_P95_S and drain <= TARGET_DRAIN_S
        return 0 if met else 1
    finally:
        for proc in reversed(procs):
            stop_process(proc)
        from django.db import connections

        connections.close_all()
        scratch_drop(url, scratch)


if __name__ == "__main__":
    sys.exit(main())
