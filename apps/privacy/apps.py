"""privacy: data-subject requests of 개인정보보호법 (export and erase a person across every table),
with their audit log. The top app: it reads and writes the tables of every other one."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "apps.privacy"
    label = "privacy"
    verbose_name = _("Privacy")
    default_auto_field = "django.db.models.BigAutoField"
