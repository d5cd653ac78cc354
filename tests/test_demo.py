import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from articles.models import (
    Annotation,
    Article,
    Assignment,
    Claim,
    ClaimAppearance,
    Consensus,
    Verdict,
)

ROOT = Path(__file__).resolve().parent.parent


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Article, Claim, ClaimAppearance, Annotation, Assignment, Consensus, Verdict)
    }


@pytest.mark.django_db
def test_demo_sets_up_desk_and_twice_duplicates_nothing(capsys):
    call_command("demo", "--no-serve")
    first = counts()
    out = capsys.readouterr().out

    call_command("demo", "--no-serve")

    assert counts() == first
    assert first["Article"] == 7
    assert first["Claim"] == 5
    assert first["Annotation"] == 11
    assert first["Verdict"] == 1
    statuses = sorted(Consensus.objects.values_list("status", flat=True))
    assert statuses == ["contested", "pending", "pending", "settled", "settled"]
    assert "rejected" not in out
    for username in ("editor", "anna", "ben", "chloe", "viewer"):
        assert username in out
    # Every claim has at least one anchored quote, and every quote is the body at its span.
    for appearance in ClaimAppearance.objects.select_related("article"):
        assert appearance.article.body[appearance.start : appearance.end] == appearance.quote


def test_check_deploy_is_clean_with_production_variables():
    # Test-only switches of the runner's environment (e.g. DJANGO_ALLOW_ASYNC_UNSAFE for the
    # browser tests) are not part of a deployment.
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "x" * 60 + "-production-secret-of-enough-length-and-variety-4f9",
        "DJANGO_ALLOWED_HOSTS": "factcheck.example.org",
        "DJANGO_SECURE_SSL_REDIRECT": "true",
        "DJANGO_SESSION_COOKIE_SECURE": "true",
        "DJANGO_CSRF_COOKIE_SECURE": "true",
        "DJANGO_SECURE_HSTS_SECONDS": "31536000",
        "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
        "DJANGO_SECURE_HSTS_PRELOAD": "true",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_flags_the_development_defaults():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "security.W009" in result.stderr + result.stdout  # the insecure dev SECRET_KEY


@pytest.mark.django_db
def test_readme_tells_the_truth_about_the_demo_queues():
    """The README's demo table says how many claims each annotator has left; keep it true."""
    import re

    from django.contrib.auth import get_user_model

    from articles.selectors.queues import annotator_queue

    call_command("demo", "--no-serve")
    readme = (ROOT / "README.md").read_text()
    promised = {
        user: int(n)
        for user, n in re.findall(r"^\| (\w+) +\|.*?(\d+) claims? left to rate", readme, re.M)
    }
    assert set(promised) == {"anna", "ben", "chloe"}
    users = get_user_model().objects
    actual = {name: annotator_queue(user=users.get(username=name)).count() for name in promised}
    assert actual == promised
