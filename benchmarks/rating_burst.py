"""A burst of ratings through the real broker and a real Celery worker: the queue's backlog and
the delay from a rating's commit to the consensus that includes it.

    DATABASE_URL=postgres://USER@HOST:5432/DB REDIS_URL=redis://127.0.0.1:6379/N \
        python benchmarks/rating_burst.py [--writers 10] [--rate 100] [--seconds 10] [--rounds 2]

Creates a scratch database beside the one in DATABASE_URL (its name plus `_bench_burst`), with
claims, annotators and their assignments. Then, interleaved for --rounds rounds, two phases that
each start one worker (solo pool, its own queue on the Redis database of REDIS_URL, loopback
only) and run --writers threads that submit ratings through `annotation_submit` at --rate
ratings per second in all, for --seconds:
  * before: per-claim jobs, the design before sweeps (benchmarks/burst_baseline.py): a job per
    claim, not queued again while one for the claim waits, each recomputing its one claim;
  * after: the desk's sweeps: a change queues a sweep unless one waits, and each sweep
    recomputes every stale claim in batched queries.
Both keep the worker's database connection. Each phase rates its own claims. A monitor polls the
consensus table every 20 ms (the delay's resolution); a rating counts as processed when its
claim's consensus includes at least as many annotations as there were when it committed. Prints
per phase the ratings achieved, jobs queued, the largest backlog (messages waiting), the delay
p50/p95 and the drain time (from the end of the burst until every rating is processed), and the
median of each over rounds; before the next phase the worker works off what is left in its
queue. Exits 1 when the "after" phase's median drain time exceeds 1 s (the backlog should drain
as fast as it arrives).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
QUEUE = "bench-burst"
TARGET_DRAIN_S = 1.0
POLL_S = 0.02


def _generate(n_claims: int, n_annotators: int) -> tuple[list[int], list[Any]]:
    """Claims, annotators and an assignment of every claim to every annotator."""
    from django.contrib.auth.models import Group, User

    from articles.models import Assignment, Claim

    group = Group.objects.get(name="Annotators")
    users = User.objects.bulk_create(
        [User(username=f"burst{i}", is_staff=True) for i in range(n_annotators)]
    )
    group.user_set.add(*users)
    claims = Claim.objects.bulk_create(
        [Claim(text=f"Burst claim {i}", required_annotations=3) for i in range(n_claims)]
    )
    Assignment.objects.bulk_create(
        [Assignment(claim=c, annotator=u) for c in claims for u in users], batch_size=5000
    )
    return [c.pk for c in claims], list(User.objects.filter(pk__in=[u.pk for u in users]))


@dataclass
class Phase:
    name: str
    ratings: int = 0
    jobs: int = 0
    seconds: float = 0.0
    max_backlog: int = 0
    drain_s: float = float("nan")
    delays: list[float] = field(default_factory=list)

    def percentile(self, q: float) -> float:
        if not self.delays:
            return float("nan")
        ordered = sorted(self.delays)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _run_phase(
    phase: Phase,
    *,
    claim_ids: list[int],
    users: list[Any],
    writers: int,
    rate: float,
    seconds: float,
    seed: int,
) -> None:
    from django.db import connection

    from articles.models import Consensus, Label
    from articles.services.annotations import annotation_submit

    pairs = [(c, u) for c in claim_ids for u in users]
    random.Random(seed).shuffle(pairs)
    per_writer = [pairs[w::writers] for w in range(writers)]
    commits: list[tuple[int, float]] = []  # (claim_id, commit time)
    lock = threading.Lock()
    labels = [Label.VERIFIED, Label.DISPUTED, Label.FALSE]
    start = time.monotonic() + 0.2
    end = start + seconds
    interval = writers / rate

    def writer(w: int) -> None:
        try:
            for k, (claim_id, user) in enumerate(per_writer[w]):
                due = start + (k + w / writers) * interval
                if due >= end:
                    return
                time.sleep(max(0.0, due - time.monotonic()))
                annotation_submit(
                    user=user,
                    claim_id=claim_id,
                    label=labels[(claim_id + user.pk) % 3],
                    rationale="Checked against the primary source.",
                )
                committed = time.monotonic()
                # Each rating is a request of its own: its connection goes back to the pool
                # (DATABASE_POOL_MAX_SIZE, fewer than the writers) as a request's does.
                connection.close()
                with lock:
                    commits.append((claim_id, committed))
        finally:
            connection.close()

    # What the monitor saw: per claim, times at which its consensus count first reached n.
    reached: dict[tuple[int, int], float] = {}
    done = threading.Event()
    backlog = [0]

    def monitor() -> None:
        import redis
        from celery import current_app

        queue = redis.Redis.from_url(str(current_app.conf.broker_url))
        seen: dict[int, int] = {}
        try:
            while not done.is_set():
                now = time.monotonic()
                rows = Consensus.objects.filter(claim_id__in=claim_ids).values_list(
                    "claim_id", "n_annotations"
                )
                for claim_id, n in rows:
                    for m in range(seen.get(claim_id, 0) + 1, n + 1):
                        reached[(claim_id, m)] = now
                    seen[claim_id] = max(seen.get(claim_id, 0), n)
                backlog[0] = max(backlog[0], int(queue.llen(QUEUE)))
                time.sleep(POLL_S)
        finally:
            connection.close()

    watcher = threading.Thread(target=monitor)
    watcher.start()
    threads = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    burst_end = time.monotonic()
    phase.seconds = burst_end - start
    # Commit order per claim gives each rating the count its consensus must reach.
    needed: list[tuple[int, int, float]] = []
    by_claim: dict[int, list[float]] = {}
    for claim_id, committed in commits:
        by_claim.setdefault(claim_id, []).append(committed)
    for claim_id, times in by_claim.items():
        for i, committed in enumerate(sorted(times), start=1):
            needed.append((claim_id, i, committed))
    deadline = burst_end + 120
    while time.monotonic() < deadline and not all((c, i) in reached for c, i, _ in needed):
        time.sleep(POLL_S)
    done.set()
    watcher.join()
    # Jobs queued for claims already caught up still wait in the queue: let the worker finish
    # them, so the next phase starts on an empty queue.
    import redis
    from celery import current_app

    queue = redis.Redis.from_url(str(current_app.conf.broker_url))
    while time.monotonic() < deadline + 60 and queue.llen(QUEUE):
        time.sleep(POLL_S)
    phase.ratings = len(commits)
    phase.max_backlog = backlog[0]
    phase.delays = [reached[(c, i)] - t for c, i, t in needed if (c, i) in reached]
    if len(phase.delays) == len(needed):
        phase.drain_s = max(0.0, max(reached[(c, i)] for c, i, _ in needed) - burst_end)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=10)
    parser.add_argument("--rate", type=float, default=100.0, help="Ratings per second in all.")
    parser.add_argument("--seconds", type=float, default=10.0, help="Length of each burst.")
    parser.add_argument("--rounds", type=int, default=2, help="Rounds of before/after.")
    parser.add_argument("--claims", type=int, default=100, help="Claims rated in each phase.")
    args = parser.parse_args()

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from benchmarks.workers import ServicesMissingError, scratch_drop, scratch_prepare

    try:
        url, redis_url, scratch = scratch_prepare("burst")
    except ServicesMissingError as missing:
        print(missing)
        return 2
    os.environ["DATABASE_URL"] = scratch
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    sys.path.insert(0, str(ROOT))
    workers: list[Any] = []
    try:
        import django

        django.setup()
        from django.core.management import call_command

        from articles.tasks import claims_stale_recompute_task
        from benchmarks.burst_baseline import claim_job, per_claim_jobs
        from benchmarks.workers import start_worker, stop_process, wait_ready
        from factcheck.celery import app

        call_command("migrate", verbosity=0)
        n_phases = 2 * args.rounds
        # Enough annotators that each phase's ratings are distinct (claim, annotator) pairs.
        needed_per_claim = int(args.rate * args.seconds / args.claims) + 2
        claim_ids, users = _generate(args.claims * n_phases, needed_per_claim)
        app.conf.task_default_queue = QUEUE
        import redis

        redis.Redis.from_url(redis_url).delete(QUEUE)
        queued = [0]
        for task in (claims_stale_recompute_task, claim_job):

            def counting(*a: Any, _delay: Any = task.delay, **kw: Any) -> Any:
                queued[0] += 1
                return _delay(*a, **kw)

            task.delay = counting  # type: ignore[method-assign]
        phases: dict[str, list[Phase]] = {"before": [], "after": []}
        worker_name = f"burst-{os.getpid()}"
        for index in range(n_phases):
            name = "before" if index % 2 == 0 else "after"
            proc = start_worker(
                database_url=scratch,
                redis_url=redis_url,
                queue=QUEUE,
                name=worker_name,
                include=["benchmarks.burst_baseline"],
            )
            workers.append(proc)
            wait_ready(app, proc, worker_name)
            redis.Redis.from_url(redis_url).delete(QUEUE)
            phase = Phase(name)
            queued[0] = 0
            ids = claim_ids[index * args.claims : (index + 1) * args.claims]
            with per_claim_jobs() if name == "before" else contextlib.nullcontext():
                _run_phase(
                    phase,
                    claim_ids=ids,
                    users=users,
                    writers=args.writers,
                    rate=args.rate,
                    seconds=args.seconds,
                    seed=index,
                )
            phase.jobs = queued[0]
            stop_process(proc)
            workers.remove(proc)
            phases[name].append(phase)
            print(
                f"{name:6}  round {index // 2 + 1}: {phase.ratings:5d} ratings in "
                f"{phase.seconds:.1f} s ({phase.ratings / phase.seconds:.0f}/s), "
                f"{phase.jobs:5d} jobs queued, largest backlog {phase.max_backlog:4d} messages, "
                f"delay p50 {phase.percentile(0.5) * 1000:6.0f} ms "
                f"p95 {phase.percentile(0.95) * 1000:6.0f} ms, drain {phase.drain_s:5.2f} s"
            )

        def median(name: str, value: Any) -> float:
            return float(statistics.median(value(p) for p in phases[name]))

        print(
            f"median of {args.rounds} rounds each, interleaved "
            "(before: per-claim jobs; after: sweeps):"
        )
        for name in ("before", "after"):
            print(
                f"  {name:6}  jobs {median(name, lambda p: p.jobs):7.0f}  "
                f"largest backlog {median(name, lambda p: p.max_backlog):5.0f}  "
                f"delay p50 {median(name, lambda p: p.percentile(0.5)) * 1000:6.0f} ms  "
                f"p95 {median(name, lambda p: p.percentile(0.95)) * 1000:6.0f} ms  "
                f"drain {median(name, lambda p: p.drain_s):5.2f} s"
            )
        drain = median("after", lambda p: p.drain_s)
        print(f"after: drain {drain:.2f} s (target <= {TARGET_DRAIN_S:.1f} s)")
        return 0 if drain <= TARGET_DRAIN_S else 1
    finally:
        for proc in workers:
            stop_process(proc)
        from django.db import connections

        connections.close_all()
        scratch_drop(url, scratch)


if __name__ == "__main__":
    sys.exit(main())
