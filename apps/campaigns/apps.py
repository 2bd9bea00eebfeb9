"""campaigns: e-mail campaigns: templates, recipients, exactly-once sending."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "apps.campaigns"
    label = "campaigns"
    verbose_name = _("Campaigns")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import hot_updates  # noqa: F401 — registers the check of the result table's regime
