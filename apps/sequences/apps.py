"""sequences: multi-step outreach that stops on a reply, sent through the campaign pipeline."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SequencesConfig(AppConfig):
    name = "apps.sequences"
    label = "sequences"
    verbose_name = _("Sequences")
    default_auto_field = "django.db.models.BigAutoField"
