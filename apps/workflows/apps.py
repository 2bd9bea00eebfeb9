"""workflows: node-based workflows: registry, executor, durable runs."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "apps.workflows"
    label = "workflows"
    verbose_name = _("Workflows")
    default_auto_field = "django.db.models.BigAutoField"
