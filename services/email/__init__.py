"""E-mail delivery through the providers named in settings.EMAIL_PROVIDERS, in order.

``send_email`` tries each provider in turn and falls back to the next on a transient failure
(an outage) that certainly did not deliver; a permanent failure is final, and so is an unknown
outcome (the request left us and no answer came back): another provider would send a second copy.
Campaigns use the providers' batch APIs directly through ``get_providers``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.utils.module_loading import import_string

from common.email_content import complete_message

from .base import (
    Attachment,
    EmailMessage,
    EmailProvider,
    PermanentEmailError,
    SendResult,
    TransientEmailError,
)

__all__ = [
    "Attachment",
    "EmailMessage",
    "EmailProvider",
    "PermanentEmailError",
    "SendResult",
    "TransientEmailError",
    "get_providers",
    "send_email",
]

logger = logging.getLogger(__name__)


def get_providers() -> list[EmailProvider]:
    """The providers of settings.EMAIL_PROVIDERS, in order: short names of EMAIL_PROVIDER_CLASSES
    (the development outbox is a model writer of apps/mail, named there so that this layer imports
    no app) or dotted paths to classes."""
    providers = []
    for name in settings.EMAIL_PROVIDERS:
        cls: Callable[[], EmailProvider] = import_string(settings.EMAIL_PROVIDER_CLASSES.get(name, name))
        providers.append(cls())
    return providers


def send_email(message: EmailMessage) -> SendResult:
    """Send one message through the first provider that accepts it, complete: an HTML body becomes a
    whole document with a text part (common/email_content.py)."""
    complete_message(message)
    last_error: Exception | None = None
    for provider in get_providers():
        try:
            return provider.send(message)
        except TransientEmailError as exc:
            if exc.outcome_unknown:
                raise  # the provider may have it: neither the next provider nor a retry may send it again
            logger.warning("provider %s failed transiently, trying the next: %s", provider.name, exc)
            last_error = exc
    raise last_error or TransientEmailError("No e-mail provider is configured (EMAIL_PROVIDERS is empty).")
