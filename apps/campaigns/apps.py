"""campaigns: e-mail campaigns: templates, recipients, exactly-once sending."""

from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "apps.campaigns"
    label = "campaigns"
    verbose_name = "Campaigns"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import hot_updates  # noqa: F401 — registers the check of the result table's regime
