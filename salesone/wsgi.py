"""WSGI entry point."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesone.settings.development")
application = get_wsgi_application()

from salesone.error_reporting import sentry_init_from_settings  # noqa: E402 — needs the settings loaded

sentry_init_from_settings()  # only with SENTRY_DSN
