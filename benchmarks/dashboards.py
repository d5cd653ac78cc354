"""The dashboards on a large desk against the same pages on a nearly empty one, in one run.

    DATABASE_URL=postgres://USER@HOST:5432/DB python benchmarks/dashboards.py \
        [--claims 100000] [--annotations 500000] [--rounds 40]

Creates two scratch databases named after the one in DATABASE_URL (`<name>_bench_dash_big` and
`<name>_bench_dash_small`), migrates one and copies it as the other, then fills them by COPY:
the big desk with --claims claims in articles of five claims each (a fifth of them also quoted by
a second outlet), about --annotations ratings by 2,000 annotators over the past year, a consensus
row per rated claim, published verdicts, 30 full recompute runs and a reliability estimate per
annotator; the small desk with 50 claims in the same shapes. Serves each with gunicorn (one sync
worker, no Redis), logs in as an editor on both and times every page over HTTP, interleaved
(big, small, small, big, ...), after warm-up rounds. The claim and article pages show a claim of
the same shape on both desks (five ratings, two outlets). Prints p50 and p95 per page and side
and the ratio of the p95s; exits 1 when any page's p95 exceeds 3x the small desk's.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
TARGET = 3.0
PASSWORD = "bench-password"  # noqa: S105 - a throwaway user in a scratch database
SHAPED_CLAIM = 7  # index of the claim shown on the claim and article pages (same on both)


def _scratch(url: str, suffix: str) -> tuple[str, str]:
    base = urlsplit(url).path.lstrip("/") or "factcheck"
    name = "".join(c if c.isalnum() or c == "_" else "_" for c in base.lower()) + suffix
    parts = urlsplit(url)
    return name, urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def _copy(table: str, columns: str, rows: io.StringIO) -> None:
    from django.db import connection

    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        copy.write(rows.getvalue())


def _fill(n_claims: int, n_annotations: int, n_annotators: int, seed: int = 11) -> dict[str, int]:
    """Fill the current database; return the ids the pages need."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User
    from django.db import connection
    from django.utils import timezone

    from articles import roles
    from articles.models import AnnotatorReliability, Claim, ConsensusRun, Label

    rng = np.random.default_rng(seed)
    labels = list(Label.values)
    now = timezone.now()
    stamp = now.isoformat()

    editor = User.objects.create(
        username="bench-editor", password=make_password(PASSWORD), is_staff=True
    )
    editor.groups.add(Group.objects.get(name=roles.EDITORS))
    users = io.StringIO()
    for i in range(n_annotators):
        users.write(f"!\tf\tbench{i}\tAnnotator\t{i}\tbench{i}@example.org\tt\tt\t{stamp}\n")
    _copy(
        "auth_user",
        "password, is_superuser, username, first_name, last_name, email, is_staff, is_active, "
        "date_joined",
        users,
    )
    annotator_ids = np.array(
        sorted(
            User.objects.filter(username__startswith="bench")
            .exclude(pk=editor.pk)
            .values_list("id", flat=True)
        ),
        dtype=np.int64,
    )
    Group.objects.get(name=roles.ANNOTATORS).user_set.add(*annotator_ids.tolist())

    # Articles of five claim sentences each; claim i is sentence i % 5 of article i // 5.
    n_articles = max(2, (n_claims + 4) // 5)
    sentences = [
        f"Claim sentence number {k} says the figure was {k * 7 + 3} percent." for k in range(5)
    ]
    body = " ".join(sentences)
    offsets = []
    pos = 0
    for s in sentences:
        offsets.append((pos, pos + len(s)))
        pos += len(s) + 1
    articles = io.StringIO()
    for a in range(n_articles):
        dated = (now - timedelta(days=int(rng.integers(0, 365)))).isoformat()
        publisher = f"Outlet {a % 200}"
        articles.write(
            f"Story {a}\t{publisher}\thttps://news.example.org/{a}\tStaff\t{dated}\ten\t"
            f"{body}\t{body}\ttext\t\t{a:064x}\t{stamp}\t{stamp}\n"
        )
    _copy(
        "articles_article",
        "title, publisher, url, author, published_at, language, body, raw, source_format, "
        "source_name, content_hash, created_at, updated_at",
        articles,
    )
    from articles.models import Article

    article_ids = np.array(sorted(Article.objects.values_list("id", flat=True)), dtype=np.int64)

    claims = io.StringIO()
    ages = rng.integers(0, 365 * 24 * 3600, size=n_claims)
    for i in range(n_claims):
        created = (now - timedelta(seconds=int(ages[i]))).isoformat()
        claims.write(
            f"Generated claim {i} about figure {i % 97}\tSpeaker {i % 50}\topen\t3\tf\t"
            f"{created}\t{created}\n"
        )
    _copy(
        "articles_claim",
        "text, claimant, status, required_annotations, consensus_stale, created_at, updated_at",
        claims,
    )
    claim_ids = np.array(sorted(Claim.objects.values_list("id", flat=True)), dtype=np.int64)

    appearances = io.StringIO()
    for i in range(n_claims):
        a = i // 5
        start, end = offsets[i % 5]
        quote = sentences[i % 5]
        appearances.write(f"{claim_ids[i]}\t{article_ids[a]}\t{start}\t{end}\t{quote}\t{stamp}\n")
        if i % 5 == 2 or i == SHAPED_CLAIM:  # a second outlet quotes it
            other = article_ids[(a + 1) % n_articles]
            appearances.write(f"{claim_ids[i]}\t{other}\t{start}\t{end}\t{quote}\t{stamp}\n")
    _copy(
        "articles_claimappearance",
        'claim_id, article_id, start, "end", quote, created_at',
        appearances,
    )

    # Ratings: 2-8 per claim (about n_annotations in all), by distinct annotators, correct with
    # each annotator's accuracy (a few near chance), spread over the past year.
    mean = n_annotations / n_claims
    counts = np.clip(rng.poisson(mean, size=n_claims), 0, min(12, n_annotators))
    counts[SHAPED_CLAIM] = 5
    accuracy = np.clip(rng.normal(0.8, 0.1, size=n_annotators), 0.34, 0.99)
    accuracy[: max(1, n_annotators // 50)] = 1 / 3
    truth = rng.integers(0, 3, size=n_claims)
    strides = np.array([0, 397, 797, 1193, 1597, 211, 613, 1009, 1409, 1811, 101, 503]) % max(
        1, n_annotators
    )
    annotations = io.StringIO()
    rationale = "Checked the primary source and two independent reports."
    year = 365 * 24 * 3600
    consensus = io.StringIO()
    verdicts = io.StringIO()
    published: list[int] = []
    total = 0
    for i in range(n_claims):
        n = int(counts[i])
        base = int(rng.integers(0, n_annotators))
        who = (base + strides[:n]) % n_annotators
        if len(set(who.tolist())) < n:
            who = rng.choice(n_annotators, size=n, replace=False)
        correct = rng.random(n) < accuracy[who]
        given = np.where(correct, truth[i], (truth[i] + rng.integers(1, 3, size=n)) % 3)
        when = rng.integers(0, year, size=n)
        for w, g, t in zip(who.tolist(), given.tolist(), when.tolist(), strict=True):
            created = (now - timedelta(seconds=t)).isoformat()
            label = labels[g]
            annotations.write(
                f"{claim_ids[i]}\t{annotator_ids[w]}\t{label}\t{label}\t80\t{rationale}\t[]\t{created}\t{created}\n"
            )
        total += n
        if n == 0:
            continue
        tally = np.bincount(given, minlength=3)
        top = int(tally.argmax())
        agreement = float(tally[top] / n)
        status = "pending" if n < 3 else ("settled" if agreement >= 0.75 else "contested")
        probs = json.dumps({labels[k]: round(float(tally[k] / n), 3) for k in range(3)})
        consensus.write(
            f"{claim_ids[i]}\t{labels[top] if status != 'pending' else ''}\t{probs}\t{agreement}\t"
            f"{status}\tcalibrated-dawid-skene\t{{}}\t{n}\tx\t{stamp}\n"
        )
        if status == "settled" and i % 4 == 0:
            at = (now - timedelta(seconds=int(rng.integers(0, year)))).isoformat()
            verdicts.write(
                f"{claim_ids[i]}\t1\t{labels[top]}\tf\t\t{labels[top]}\tsettled\t{editor.pk}\t{at}\t\n"
            )
            published.append(int(claim_ids[i]))
    _copy(
        "articles_annotation",
        "claim_id, annotator_id, label, counted_label, confidence, rationale, evidence_links, "
        "created_at, updated_at",
        annotations,
    )
    _copy(
        "articles_consensus",
        "claim_id, label, probabilities, agreement, status, method, parameters, n_annotations, "
        "fingerprint, computed_at",
        consensus,
    )
    _copy(
        "articles_verdict",
        "claim_id, version, label, is_override, reason, consensus_label, consensus_status, "
        "published_by_id, published_at, retraction_reason",
        verdicts,
    )
    for chunk in range(0, len(published), 10_000):
        Claim.objects.filter(pk__in=published[chunk : chunk + 10_000]).update(status="published")
    for k in range(30):
        finished = now - timedelta(days=30 - k)
        ConsensusRun.objects.create(
            method="calibrated-dawid-skene",
            alpha=round(0.55 + 0.01 * k, 3),
            n_claims=n_claims,
            n_annotators=n_annotators,
            n_annotations=total,
            started_at=finished - timedelta(seconds=20),
            finished_at=finished,
        )
    reliabilities = []
    for w in range(n_annotators):
        acc = float(accuracy[w])
        off = (1 - acc) / 2
        confusion = {t: {g: (acc if g == t else off) for g in labels} for t in labels}
        reliabilities.append(
            AnnotatorReliability(
                annotator_id=int(annotator_ids[w]),
                confusion=confusion,
                accuracy=acc,
                agreement_with_consensus=acc,
                n_annotations=int(total / n_annotators),
                computed_at=now,
            )
        )
    AnnotatorReliability.objects.bulk_create(reliabilities, batch_size=2000)
    with connection.cursor() as cursor:
        # As autovacuum would after a bulk load: statistics and the visibility map (index-only
        # scans) on both desks.
        cursor.execute("VACUUM ANALYZE")
    return {
        "claim": int(claim_ids[SHAPED_CLAIM]),
        "article": int(article_ids[SHAPED_CLAIM // 5]),
        "annotations": total,
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(database_url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_DEBUG": "false"}
    env.pop("REDIS_URL", None)
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    proc = subprocess.Popen(  # noqa: S603 - fixed argv
        [
            gunicorn,
            "factcheck.wsgi",
            "-w",
            "1",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


class Session:
    """A logged-in admin session on one server (cookies kept by hand: two servers, one host)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: str | None = None
    ) -> tuple[int, bytes, http.client.HTTPResponse]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "Host": "localhost",
        }
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://localhost:{self.port}/admin/login/"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        conn.close()
        return response.status, data, response

    def login(self, username: str) -> None:
        status, page, _ = self.request("GET", "/admin/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if token is None:
            raise RuntimeError("no CSRF token on the login page")
        form = urlencode(
            {
                "csrfmiddlewaretoken": token.group(1).decode(),
                "username": username,
                "password": PASSWORD,
                "next": "/admin/",
            }
        )
        status, _, _ = self.request("POST", "/admin/login/", form)
        if status != 302:
            raise RuntimeError(f"login failed on port {self.port}: HTTP {status}")

    def time(self, path: str) -> float:
        start = time.perf_counter()
        status, _, _ = self.request("GET", path)
        elapsed = time.perf_counter() - start
        if status != 200:
            raise RuntimeError(f"GET {path} on port {self.port}: HTTP {status}")
        return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--annotations", type=int, default=500_000)
    parser.add_argument("--annotators", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="Keep the scratch databases.")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("DATABASE_URL must point at PostgreSQL (e.g. postgres://root@127.0.0.1:5432/root)")
        return 2
    import psycopg

    big_name, big_url = _scratch(url, "_bench_dash_big")
    small_name, small_url = _scratch(url, "_bench_dash_small")
    admin = psycopg.connect(url, autocommit=True)
    for name in (big_name, small_name):
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{big_name}"')
    os.environ["DATABASE_URL"] = big_url
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    sys.path.insert(0, str(ROOT))
    servers: list[subprocess.Popen[bytes]] = []
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection, connections

        call_command("migrate", verbosity=0)
        connections.close_all()
        admin.execute(f'CREATE DATABASE "{small_name}" TEMPLATE "{big_name}"')
        # Fill the small desk first (the connection then moves to the big one).
        connection.settings_dict["NAME"] = small_name
        t0 = time.perf_counter()
        small = _fill(50, 250, 20)
        connections.close_all()
        connection.settings_dict["NAME"] = big_name
        big = _fill(args.claims, args.annotations, args.annotators)
        connections.close_all()
        print(
            f"generated {args.claims:,} claims and {big['annotations']:,} ratings by "
            f"{args.annotators:,} annotators (small desk: 50 claims, {small['annotations']} "
            f"ratings) in {time.perf_counter() - t0:.0f} s"
        )

        ports = {"big": _free_port(), "small": _free_port()}
        servers.append(_serve(big_url, ports["big"]))
        servers.append(_serve(small_url, ports["small"]))
        sessions = {side: Session(port) for side, port in ports.items()}
        for session in sessions.values():
            session.login("bench-editor")
        ids = {"big": big, "small": small}

        def pages(side: str) -> dict[str, str]:
            d = ids[side]
            return {
                "overview": "/admin/desk/overview/",
                "claims table": "/admin/desk/claims/",
                "claims filtered+sorted": "/admin/desk/claims/?verdict=verified&sort=agreement",
                "claims search": "/admin/desk/claims/?q=figure+42",
                "claims page 40": "/admin/desk/claims/?page=40&status=open",
                "claim dashboard": f"/admin/desk/claims/{d['claim']}/",
                "article reader": f"/admin/desk/articles/{d['article']}/",
                "annotators": "/admin/desk/annotators/",
            }

        names = list(pages("big"))
        times: dict[tuple[str, str], list[float]] = {
            (n, s): [] for n in names for s in ("big", "small")
        }
        for r in range(args.warmup + args.rounds):
            order = ("big", "small") if r % 2 == 0 else ("small", "big")
            for name in names:
                for side in order:
                    elapsed = sessions[side].time(pages(side)[name])
                    if r >= args.warmup:
                        times[(name, side)].append(elapsed)

        heads = ("big p50", "big p95", "empty p50", "empty p95", "p95 ratio")
        print(f"\n{'page':<24}" + "".join(f"{h:>11}" for h in heads))
        worst = 0.0
        for name in names:
            b = np.array(times[(name, "big")]) * 1000
            s = np.array(times[(name, "small")]) * 1000
            bp50, bp95 = np.percentile(b, 50), np.percentile(b, 95)
            sp50, sp95 = np.percentile(s, 50), np.percentile(s, 95)
            ratio = bp95 / sp95
            worst = max(worst, ratio)
            flag = "" if ratio <= TARGET else "  over target"
            cells = "".join(f"{v:>9.1f}ms" for v in (bp50, bp95, sp50, sp95))
            print(f"{name:<24}{cells}{ratio:>10.2f}x{flag}")
        print(
            f"\n{args.rounds} interleaved rounds after {args.warmup} warm-up; "
            f"worst p95 ratio {worst:.2f}x (target <= {TARGET:.0f}x)"
        )
        return 0 if worst <= TARGET else 1
    finally:
        for proc in servers:
            proc.terminate()
            proc.wait(timeout=20)
        from django.db import connections as conns

        conns.close_all()
        if not args.keep:
            for name in (big_name, small_name):
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


if __name__ == "__main__":
    sys.exit(main())
