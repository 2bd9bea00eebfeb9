"""intelligence: lead enrichment (national DB, NTS business status, homepage) and its runs, the lead
score and the ideal-customer profile behind it, data hygiene and lead insights (issue 20)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntelligenceConfig(AppConfig):
    name = "apps.intelligence"
    label = "intelligence"
    verbose_name = _("Lead intelligence")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # receivers: new leads are queued for enrichment; selectors: the lead is an insights subject.
        from . import receivers, selectors  # noqa: F401
