"""tracking: e-mail tracking: opens, clicks, unsubscribes, provider webhooks, replies."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    name = "apps.tracking"
    label = "tracking"
    verbose_name = _("Tracking")
    default_auto_field = "django.db.models.BigAutoField"
