"""The interface every e-mail provider implements."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field


@dataclass
class Attachment:
    filename: str
    content: bytes
    mimetype: str = "application/octet-stream"


@dataclass
class EmailMessage:
    to: str
    subject: str
    html: str = ""
    text: str = ""
    from_email: str = ""  # empty: settings.DEFAULT_FROM_EMAIL
    reply_to: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    attachments: list[Attachment] = field(default_factory=list)
    # Round-tripped by providers in their webhooks (SendGrid custom_args, Mailgun v: variables).
    custom_args: dict[str, str] = field(default_factory=dict)
    category: str = ""
    message_id: str = ""  # our own Message-ID, set by the caller when replies must be matched


@dataclass
class SendResult:
    provider: str
    message_id: str = ""  # the provider's id for the message
    accepted: bool = True
    error: str = ""


class EmailError(Exception):
    """A provider refused or failed a send."""


class TransientEmailError(EmailError):
    """Worth retrying later or on another provider: 429, 5xx, timeouts, connection errors."""


class PermanentEmailError(EmailError):
    """Retrying will not help: bad address, rejected content, bad credentials."""


class EmailProvider(abc.ABC):
    name: str = ""

    @abc.abstractmethod
    def send(self, message: EmailMessage) -> SendResult:
        """Send one message; raise TransientEmailError or PermanentEmailError on failure."""

    def send_batch(self, messages: list[EmailMessage]) -> list[SendResult]:
        """Send many; providers with batch APIs override this. One result per message, in order."""
        return [self.send(message) for message in messages]
