"""deliverability: sender-domain DNS health (SPF, DKIM, DMARC), complaint rates and the spam check."""

from django.apps import AppConfig


class DeliverabilityConfig(AppConfig):
    name = "apps.deliverability"
    label = "deliverability"
    verbose_name = "Deliverability"
    default_auto_field = "django.db.models.BigAutoField"
