"""App configs of the project itself."""

from django.contrib.admin.apps import AdminConfig


class DeskAdminConfig(AdminConfig):
    """The Django admin with the desk's site (desk pages, role cards) as the default site."""

    default_site = "articles.admin.site.DeskAdminSite"

    def ready(self) -> None:
        # Import the desk's admin package before autodiscovery: its modules register on
        # `admin.site`, whose lazy set-up imports the site class from that same package. Were
        # another app's admin (auth's) to start that set-up first, the registrations made
        # while the package loads would land on a site the set-up then replaces.
        import articles.admin  # noqa: F401

        super().ready()
