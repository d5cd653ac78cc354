from django.apps import AppConfig
from django.core import checks


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"
    verbose_name = "Fact-check desk"

    def ready(self) -> None:
        from articles.checks import SETTINGS_TAG, consensus_settings_check, job_timing_check

        checks.register(consensus_settings_check, SETTINGS_TAG)
        checks.register(job_timing_check, SETTINGS_TAG)
