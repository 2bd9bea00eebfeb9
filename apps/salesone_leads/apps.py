"""salesone_leads: the national company database (UltimateDB): search, import, bulk loading."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesoneLeadsConfig(AppConfig):
    name = "apps.salesone_leads"
    label = "salesone_leads"
    verbose_name = _("SalesOne lead database")
    default_auto_field = "django.db.models.BigAutoField"
