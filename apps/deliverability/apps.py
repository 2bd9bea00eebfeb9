"""deliverability: sender-domain DNS health (SPF, DKIM, DMARC), complaint rates and the spam check."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliverabilityConfig(AppConfig):
    name = "apps.deliverability"
    label = "deliverability"
    verbose_name = _("Deliverability")
    default_auto_field = "django.db.models.BigAutoField"
