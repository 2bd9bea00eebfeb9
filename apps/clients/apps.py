"""clients: clients with their notes, files, products, activities and e-mails."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClientsConfig(AppConfig):
    name = "apps.clients"
    label = "clients"
    verbose_name = _("Clients")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # selectors registers the client as an insights subject; signals connects the receivers that
        # delete files from disk.
        from . import selectors, signals  # noqa: F401
