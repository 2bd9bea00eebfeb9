"""What the providers post to us, in one neutral shape: events (``ProviderEvent``, a verified webhook
post as ``WebhookPost``) and inbound mail (``InboundMail``); the tracking app decides what they mean.

Each provider verifies and parses its own event webhook (``webhook_post`` of SendGridProvider in
sendgrid.py, MailgunProvider in mailgun.py); the shapes, errors and checks they share are here, with
what the parsers of inbound mail share (each provider parses its own: SendGrid's Inbound Parse in
sendgrid.py, Mailgun's routes in mailgun.py).
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field
from email.utils import getaddresses, parseaddr

from common.parsers import holds_lone_surrogate, loads_bounded

# Provider documents nest a few levels (Mailgun's event-data → message → headers); a deeper one is
# refused.
MAX_JSON_DEPTH = 32


def json_loads_bounded(raw: bytes | str, *, text_only: bool = True):
    """A webhook body as JSON; a ValueError for one nested deeper than MAX_JSON_DEPTH (or not JSON),
    and ``JSONLoneSurrogate`` for one holding a lone UTF-16 surrogate unless ``text_only`` is False."""
    return loads_bounded(raw, max_depth=MAX_JSON_DEPTH, strict=False, text_only=text_only)


LONE_SURROGATE = "The body holds a lone UTF-16 surrogate (\\ud800-\\udfff), which is not text."


def refuse_lone_surrogate(data) -> None:
    """WebhookPayloadError (400) for a verified document holding a lone surrogate: no column or jsonb
    value can store it, and the batch writer would fail on it."""
    if holds_lone_surrogate(data):
        raise WebhookPayloadError(LONE_SURROGATE)


class WebhookSignatureError(Exception):
    """The request is not provably from the provider (bad, missing or stale signature): 403."""


class WebhookPayloadError(Exception):
    """Signed, but not a payload we can read: 400."""


@dataclass
class ProviderEvent:
    kind: str  # delivered, open, click, bounce, dropped, deferred, complaint, unsubscribe
    provider: str
    event_id: str
    occurred_at: float
    email: str = ""
    result_id: str = ""  # from our custom args
    provider_message_ids: list[str] = field(default_factory=list)
    user_agent: str = ""
    ip: str | None = None
    url: str = ""
    machine_flag: bool = False  # the provider says a machine opened it (sg_machine_open)
    suppress: str = ""  # "bounced" / "complained" / "unsubscribed" when the address must be suppressed
    detail: str = ""
    raw: dict = field(default_factory=dict)


@dataclass
class WebhookPost:
    """One verified and parsed event webhook post."""

    events: list[ProviderEvent]
    ignored: int  # events of kinds we do not track
    replay_token: str  # what this post's signature signs uniquely: a second post with it is a replay
    signed_at: float  # the signature's Unix time


@dataclass
class InboundMail:
    provider: str
    from_email: str = ""
    to: list[str] = field(default_factory=list)
    subject: str = ""
    message_id: str = ""
    in_reply_to: str = ""
    references: str = ""
    text: str = ""
    html: str = ""
    headers: dict = field(default_factory=dict)
    is_auto_reply: bool = False


# Instants a datetime can hold (years 1..9999): "inf", "1e400" or 1e300 are not times, and would
# overflow int() or datetime.fromtimestamp() further on.
_EPOCH_MIN = -62135596800.0
_EPOCH_MAX = 253402300799.0


def epoch_seconds(value) -> float | None:
    """A Unix time as a float, or None if it is not a finite number within the datetime range."""
    if isinstance(value, bool):
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return seconds if _EPOCH_MIN <= seconds <= _EPOCH_MAX else None  # NaN compares False


def check_fresh(timestamp: str, *, now: float, max_age: int) -> int:
    seconds = epoch_seconds(timestamp)
    if seconds is None:
        raise WebhookSignatureError("The signature timestamp is not a number.")
    signed_at = int(seconds)
    if abs(now - signed_at) > max_age:
        raise WebhookSignatureError("The signature is stale (timestamp outside the accepted window).")
    return signed_at


def bracketless(message_id: str) -> str:
    return message_id.strip().strip("<>")


# ------------------------------------------------------------------------------------ inbound mail

_AUTO_PRECEDENCE = {"auto_reply", "bulk", "junk", "list"}


def is_auto_reply(headers: dict) -> bool:
    lowered = {k.lower(): str(v).strip().lower() for k, v in headers.items()}
    auto_submitted = lowered.get("auto-submitted", "no")
    return (
        auto_submitted not in ("", "no")
        or "x-autoreply" in lowered
        or "x-autorespond" in lowered
        or lowered.get("precedence", "") in _AUTO_PRECEDENCE
    )


def inbound_addresses(*values: str) -> list[str]:
    found = [addr for _, addr in getaddresses([v for v in values if v]) if addr]
    return list(dict.fromkeys(found))


def mail_from_message(provider: str, message: email.message.Message) -> InboundMail:
    headers = {k: str(v) for k, v in message.items()}
    text = html = ""
    if message.is_multipart() or message.get_content_type() in ("text/plain", "text/html"):
        for part in message.walk() if message.is_multipart() else [message]:
            if part.get_content_disposition() == "attachment":
                continue
            if part.get_content_type() == "text/plain" and not text:
                text = part.get_content() if hasattr(part, "get_content") else str(part.get_payload())
            elif part.get_content_type() == "text/html" and not html:
                html = part.get_content() if hasattr(part, "get_content") else str(part.get_payload())
    return InboundMail(
        provider=provider,
        from_email=parseaddr(headers.get("From", ""))[1],
        to=inbound_addresses(headers.get("To", ""), headers.get("Cc", "")),
        subject=headers.get("Subject", ""),
        message_id=bracketless(headers.get("Message-ID", headers.get("Message-Id", ""))),
        in_reply_to=headers.get("In-Reply-To", ""),
        references=headers.get("References", ""),
        text=text,
        html=html,
        headers=headers,
        is_auto_reply=is_auto_reply(headers),
    )


_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")


def referenced_message_ids(mail: InboundMail) -> list[str]:
    """Message-IDs the mail answers, most specific first: In-Reply-To, then References newest first."""
    ids = _MESSAGE_ID.findall(mail.in_reply_to) + list(reversed(_MESSAGE_ID.findall(mail.references)))
    if not ids and mail.in_reply_to.strip():
        ids = [mail.in_reply_to.strip()]
    return list(dict.fromkeys(ids))
