"""E-mail delivery through the providers named in settings.EMAIL_PROVIDERS, in order.

``send_with_fallback`` is the one provider fallback loop, used by transactional mail (``send_email``,
one message) and by campaigns (their batches, apps/campaigns): each provider in turn, the next one
only when this one certainly did not accept the mail (an outage, a refused account). A refusal of the
message itself is final, and so is an unknown outcome (the request left us and no answer came back):
another provider would send a second copy.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

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
    "send_with_fallback",
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


T = TypeVar("T")


def send_with_fallback(
    send: Callable[[EmailProvider], T],
    *,
    providers: list[EmailProvider] | None = None,
    wait_for: Callable[[EmailProvider], float] | None = None,
    on_declined: Callable[[EmailProvider], None] | None = None,
    next_on_refused_account: bool = True,
) -> T:
    """``send(provider)`` with each provider in turn (default: ``get_providers()``); its first answer.

    The next provider is tried only when this one certainly did not accept the mail: a
    TransientEmailError (429, 5xx, no connection) or, with ``next_on_refused_account``, a
    PermanentEmailError that ``affects_all`` (bad credentials, a suspended account). Then
    ``on_declined(provider)`` is called. Raised at once, the next provider never called:
    a TransientEmailError whose outcome is unknown (the provider may deliver it), and a refusal of
    the mail itself (any other PermanentEmailError: the next provider would refuse it too).

    ``wait_for(provider)``: seconds the provider's rate limit still asks to wait; above 0 it is
    passed over like an outage (a TransientEmailError with that retry_after).

    When no provider accepted: the last transient error; or, if every provider refused the account,
    a PermanentEmailError(affects_all=True) naming each refusal; or, with no provider at all, a
    TransientEmailError that says so.
    """
    last_transient: TransientEmailError | None = None
    refusals: list[str] = []
    for provider in get_providers() if providers is None else providers:
        wait = wait_for(provider) if wait_for else 0.0
        if wait > 0:
            last_transient = TransientEmailError(f"{provider.name} rate limit", retry_after=wait)
            continue
        try:
            return send(provider)
        except TransientEmailError as exc:
            if exc.outcome_unknown:
                raise  # the provider may have it: neither the next provider nor a retry may send it again
            logger.warning("provider %s failed transiently, trying the next: %s", provider.name, exc)
            last_transient = exc
        except PermanentEmailError as exc:
            if not (exc.affects_all and next_on_refused_account):
                raise
            logger.error("provider %s refuses this account, trying the next: %s", provider.name, exc)
            refusals.append(str(exc))
        if on_declined:
            on_declined(provider)
    if last_transient is None and refusals:
        raise PermanentEmailError("; ".join(refusals), affects_all=True)
    raise last_transient or TransientEmailError("No e-mail provider is configured (EMAIL_PROVIDERS is empty).")


def send_email(message: EmailMessage) -> SendResult:
    """Send one message through the first provider that accepts it, complete: an HTML body becomes a
    whole document with a text part (common/email_content.py). A refused account is final here, as
    it always was for transactional mail (campaigns pass it over to the next provider)."""
    complete_message(message)
    return send_with_fallback(lambda provider: provider.send(message), next_on_refused_account=False)
