"""Start-up: what every process loads (not the admin, Celery or the services), the server
entry points, which load the admin before the first request and freeze start-up objects out of
the garbage collector's full passes, and `manage.py`, which freezes them before its exit."""

import gc
import importlib

import pytest

from tests.fresh import run_fresh


@pytest.mark.parametrize("module", ["factcheck.wsgi", "factcheck.asgi"])
def test_entry_point_freezes_what_start_up_loaded(module):
    gc.unfreeze()
    try:
        importlib.reload(importlib.import_module(module))
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


@pytest.mark.parametrize(("argv", "exits"), [(["check"], False), (["no-such-command"], True)])
def test_manage_py_freezes_what_it_loaded_before_the_interpreter_tears_it_down(
    argv, exits, monkeypatch, capsys
):
    import manage

    monkeypatch.setattr("sys.argv", ["manage.py", *argv])
    gc.unfreeze()
    try:
        if exits:  # an unknown command exits 1: the freeze still happens
            with pytest.raises(SystemExit, match="1"):
                manage.main()
        else:
            manage.main()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


WATCHED = (
    "articles.admin",
    "articles.selectors",
    "articles.services",
    "celery",
    "factcheck.celery",
    "rest_framework.views",
)


def loaded_after(code):
    """Which of our heavy modules a fresh interpreter of ours has loaded after `code`."""
    script = (
        "import sys\n"
        f"WATCHED = {WATCHED!r}\n"
        f"{code}\n"
        "print(','.join(sorted(m for m in WATCHED if m in sys.modules)))\n"
    )
    done = run_fresh(script, DJANGO_SETTINGS_MODULE="factcheck.settings")
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def test_start_up_loads_neither_the_admin_nor_celery():
    # What every process pays (commands, workers): the admin, Celery, the services and selectors
    # (which the system checks use) load when first needed.
    assert loaded_after("import django; django.setup()") == ""


def test_tasks_bind_to_the_desk_celery_app():
    code = (
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "from articles.tasks import consensus_full_recompute_task as task\n"
        "assert task.app.main == 'factcheck', task.app.main\n"
        "assert task.app.conf.broker_url == settings.CELERY_BROKER_URL\n"
        "assert 'full-consensus-recompute' in task.app.conf.beat_schedule"
    )
    assert {"celery", "factcheck.celery"} <= set(loaded_after(code).split(","))


def test_the_urlconf_registers_the_admin():
    code = (
        "import django; django.setup()\n"
        "from django.contrib import admin\n"
        "from django.urls import reverse\n"
        "from articles.models import Claim\n"
        "assert reverse('admin:articles_claim_changelist') == '/admin/articles/claim/'\n"
        "assert admin.site.is_registered(Claim)"
    )
    assert "articles.admin" in loaded_after(code)


def test_the_admin_check_checks_every_registration_without_the_urlconf():
    # Whichever check runs first, the admin's sees every model admin, not an empty site.
    code = (
        "import django; django.setup()\n"
        "from django.contrib import admin\n"
        "from django.contrib.auth.models import User\n"
        "from django.core.checks import run_checks, Tags\n"
        "from articles.models import Claim\n"
        "assert not run_checks(tags=[Tags.admin])\n"
        "assert admin.site.is_registered(User), admin.site._registry\n"
        "assert admin.site.is_registered(Claim), admin.site._registry"
    )
    assert "articles.admin" in loaded_after(code)


@pytest.mark.parametrize("module", ["factcheck.wsgi", "factcheck.asgi"])
def test_entry_points_load_the_admin_before_the_first_request(module):
    assert "articles.admin" in loaded_after(f"import {module}")


def test_the_site_keeps_the_desk_registrations_when_first_used_before_the_urlconf():
    # `admin.site` used first (by code that runs before any URL is resolved): setting it up
    # loads the desk's admin package, whose registrations must land on the site kept.
    code = (
        "import django; django.setup()\n"
        "from django.contrib import admin\n"
        "assert admin.site.name == 'admin'\n"
        "from articles.admin.site import DeskAdminSite\n"
        "from articles.models import Claim\n"
        "assert isinstance(admin.site._wrapped, DeskAdminSite)\n"
        "assert admin.site.is_registered(Claim)\n"
        "from factcheck.apps import discover_admin\n"
        "discover_admin()\n"
        "assert admin.site.is_registered(Claim)"
    )
    assert "articles.admin" in loaded_after(code)
