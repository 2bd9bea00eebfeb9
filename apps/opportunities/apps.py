"""opportunities: sales opportunities and their pipeline."""

from django.apps import AppConfig


class OpportunitiesConfig(AppConfig):
    name = "apps.opportunities"
    label = "opportunities"
    verbose_name = "Opportunities"
    default_auto_field = "django.db.models.BigAutoField"
