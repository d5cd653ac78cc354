"""App configs of the project itself."""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.contrib.admin import AdminSite, sites
from django.contrib.admin.apps import SimpleAdminConfig
from django.contrib.admin.checks import check_admin_app, check_dependencies
from django.core import checks


class DeskAdminConfig(SimpleAdminConfig):
    """The Django admin with the desk's site (desk pages, role cards) as the default site.

    The admin modules are registered by `discover_admin`, which the URLconf calls, not at
    start-up: processes that never serve a page (Celery workers, `manage.py aggregate` and the
    other commands) do not load the admin, the largest part of the project's import time. The
    admin's system check discovers them first, so it checks every registration whichever check
    runs first."""

    default_site = "factcheck.apps.desk_admin_site"

    def ready(self) -> None:
        # SimpleAdminConfig.ready registers `check_admin_app` itself, which would check only what
        # happened to be registered when it ran.
        checks.register(check_dependencies, checks.Tags.admin)
        checks.register(check_discovered_admin, checks.Tags.admin)


def desk_admin_site() -> AdminSite:
    """The default site, `admin.site`, built by Django's lazy set-up on its first use.

    The site class lives in the desk's admin package, whose modules register on `admin.site`
    while the package loads. Were that load to start here (`admin.site` used before anything
    imported the package), the registrations would set the site up a second time, inside this
    call, and the site returned here would then replace theirs. So the package is loaded first,
    and the site its registrations set up, if any, is the one returned."""
    import articles.admin  # noqa: F401  (registers on `admin.site`, which may call back here)

    registered_on: object = sites.site._wrapped  # type: ignore[attr-defined]  # a LazyObject
    if isinstance(registered_on, AdminSite):
        return registered_on
    from articles.admin.site import DeskAdminSite

    return DeskAdminSite()


def discover_admin() -> None:
    """Register every app's admin modules (the desk's included) on the desk's site; idempotent."""
    from django.contrib import admin

    admin.autodiscover()


def check_discovered_admin(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """The admin's own check of every site, after every admin module is registered."""
    discover_admin()
    return check_admin_app(app_configs, **kwargs)
