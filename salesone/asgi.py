"""ASGI entry point: the same app under uvicorn workers, so long-lived streams hold no thread."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesone.settings.development")
application = get_asgi_application()

from salesone.error_reporting import sentry_init_from_settings  # noqa: E402 — needs the settings loaded

sentry_init_from_settings()  # only with SENTRY_DSN
