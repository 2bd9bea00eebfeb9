"""Sentry, when SENTRY_DSN is set: unhandled errors of the web processes (Django) and the workers
(Celery) are reported with the request id, user id and task id our log lines carry, URL secrets
masked. Without a DSN nothing is initialised and nothing is sent. Called by the entry points
(wsgi.py, asgi.py, celery_app.py) once the settings are loaded."""

from __future__ import annotations

import sentry_sdk
from django.conf import settings
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration

from common.log_context import campaign_id_var, current_user_id, task_id_var
from common.request_id import request_id_var

from .log_redaction import redact_secrets


def _with_context(event, hint):
    tags = event.setdefault("tags", {})
    tags.setdefault("request_id", request_id_var.get())
    for name, value in (("task_id", task_id_var.get()), ("campaign_id", campaign_id_var.get())):
        if value:
            tags.setdefault(name, value)
    user_id = current_user_id()
    if user_id:
        event.setdefault("user", {})["id"] = user_id
    request = event.get("request") or {}
    for key in ("url", "query_string"):
        if isinstance(request.get(key), str):
            request[key] = redact_secrets(request[key])
    return event


def sentry_init_from_settings() -> bool:
    """Initialise the Sentry SDK from SENTRY_DSN, once per process. True when it did."""
    if not settings.SENTRY_DSN:
        return False
    sentry_sdk.init(
        dsn=settings.SENTRY_DSN,
        environment=settings.SENTRY_ENVIRONMENT,
        traces_sample_rate=settings.SENTRY_TRACES_SAMPLE_RATE,
        send_default_pii=False,  # no e-mail addresses or client IPs; the user is its id
        integrations=[DjangoIntegration(), CeleryIntegration()],
        before_send=_with_context,
    )
    return True
