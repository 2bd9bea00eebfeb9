"""tracking: e-mail tracking: opens, clicks, unsubscribes, provider webhooks, replies."""

from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "apps.tracking"
    label = "tracking"
    verbose_name = "Tracking"
    default_auto_field = "django.db.models.BigAutoField"
