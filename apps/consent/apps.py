"""consent: the consent ledger of 정보통신망법 제50조 (who may receive advertising mail, on what basis)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "apps.consent"
    label = "consent"
    verbose_name = _("Consent")
    default_auto_field = "django.db.models.BigAutoField"
