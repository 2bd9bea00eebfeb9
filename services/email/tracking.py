"""E-mail tracking handlers for the providers: webhook signatures and payloads, inbound mail.

What each provider sends, turned into one neutral shape (``ProviderEvent``, ``InboundMail``); the
tracking app decides what the events mean for results. Signatures:

- SendGrid Event Webhook: ECDSA (P-256, SHA-256) over ``timestamp + raw body``, headers
  X-Twilio-Email-Event-Webhook-Signature / -Timestamp, checked with the sendgrid package's verifier.
  SendGrid signs the exact bytes it posts, so the raw body is verified, never a re-serialised one.
- Mailgun webhooks and routes: HMAC-SHA256 of ``timestamp + token`` with the webhook signing key,
  lowercase hex; the token must not have been seen before (the caller records it).
"""

from __future__ import annotations

import binascii
import email
import email.policy
import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from email.utils import getaddresses, parseaddr

from sendgrid.helpers.eventwebhook import EventWebhook

from common.parsers import loads_bounded

SENDGRID_SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
SENDGRID_TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"


# Provider documents nest a few levels (Mailgun's event-data → message → headers); a deeper one is
# refused.
MAX_JSON_DEPTH = 32


def json_loads_bounded(raw: bytes | str):
    """A webhook body as JSON; a ValueError for one nested deeper than MAX_JSON_DEPTH (or not JSON)."""
    return loads_bounded(raw, max_depth=MAX_JSON_DEPTH, strict=False)


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


def _epoch(value) -> float | None:
    """A Unix time as a float, or None if it is not a finite number within the datetime range."""
    if isinstance(value, bool):
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return seconds if _EPOCH_MIN <= seconds <= _EPOCH_MAX else None  # NaN compares False


def _check_fresh(timestamp: str, *, now: float, max_age: int) -> int:
    seconds = _epoch(timestamp)
    if seconds is None:
        raise WebhookSignatureError("The signature timestamp is not a number.")
    signed_at = int(seconds)
    if abs(now - signed_at) > max_age:
        raise WebhookSignatureError("The signature is stale (timestamp outside the accepted window).")
    return signed_at


# ------------------------------------------------------------------------------------- SendGrid


def sendgrid_verify(*, body: bytes, signature: str, timestamp: str, public_key: str, now: float, max_age: int) -> int:
    """Check a SendGrid Event Webhook signature; returns the signing time, raises WebhookSignatureError."""
    if not public_key:
        raise WebhookSignatureError("SendGrid webhook verification key is not configured.")
    if not signature or not timestamp:
        raise WebhookSignatureError("Missing SendGrid signature headers.")
    signed_at = _check_fresh(timestamp, now=now, max_age=max_age)
    try:
        payload = body.decode("utf-8")
        verifier = EventWebhook(public_key)
        valid = verifier.verify_signature(payload, signature, timestamp)
    except (UnicodeDecodeError, binascii.Error, ValueError, TypeError) as exc:
        raise WebhookSignatureError(f"Unreadable SendGrid signature: {exc.__class__.__name__}.")
    if not valid:
        raise WebhookSignatureError("Invalid SendGrid signature.")
    return signed_at


_SENDGRID_KINDS = {
    "delivered": "delivered",
    "open": "open",
    "click": "click",
    "bounce": "bounce",
    "dropped": "dropped",
    "deferred": "deferred",
    "spamreport": "complaint",
    "unsubscribe": "unsubscribe",
    "group_unsubscribe": "unsubscribe",
}
# Drops because the address is already on SendGrid's own suppression lists: mirror them in ours.
_SENDGRID_DROP_SUPPRESS = {
    "bounced address": "bounced",
    "spam reporting address": "complained",
    "unsubscribed address": "unsubscribed",
}


def sendgrid_parse_events(body: bytes) -> tuple[list[ProviderEvent], int]:
    """The events of one SendGrid post (a JSON array); returns (events, count ignored)."""
    try:
        items = json_loads_bounded(body)
    except ValueError as exc:
        raise WebhookPayloadError(f"The body is not JSON: {exc}")
    if not isinstance(items, list):
        raise WebhookPayloadError("Expected a JSON array of events.")
    events, ignored = [], 0
    for item in items:
        kind = _SENDGRID_KINDS.get(item.get("event")) if isinstance(item, dict) else None
        if kind is None:
            ignored += 1
            continue
        sg_message_id = str(item.get("sg_message_id") or "")
        # sg_message_id is "<X-Message-Id of the send>.<filter suffix>"; we stored the former.
        pmids = [p for p in dict.fromkeys([sg_message_id.split(".")[0], sg_message_id]) if p]
        event_id = str(item.get("sg_event_id") or "")
        if not event_id:
            event_id = hashlib.sha256(json.dumps(item, sort_keys=True).encode()).hexdigest()
        suppress, detail = "", str(item.get("reason") or item.get("response") or "")
        if kind == "bounce":
            # "blocked" is a temporary refusal by the receiving server; only a real bounce is permanent.
            suppress = "bounced" if item.get("type", "bounce") == "bounce" else ""
            detail = f"{item.get('type', 'bounce')}: {detail}".strip()
        elif kind == "dropped":
            suppress = _SENDGRID_DROP_SUPPRESS.get(detail.strip().lower(), "")
        occurred_at = _epoch(item.get("timestamp"))
        if occurred_at is None:
            raise WebhookPayloadError("An event has no valid timestamp (a Unix time in seconds).")
        events.append(
            ProviderEvent(
                kind=kind,
                provider="sendgrid",
                event_id=event_id,
                occurred_at=occurred_at,
                email=str(item.get("email") or ""),
                result_id=str(item.get("result_id") or ""),
                provider_message_ids=pmids,
                user_agent=str(item.get("useragent") or ""),
                ip=str(item.get("ip")) if item.get("ip") else None,
                url=str(item.get("url") or ""),
                machine_flag=bool(item.get("sg_machine_open")),
                suppress=suppress,
                detail=detail,
                raw=item,
            )
        )
    return events, ignored


# -------------------------------------------------------------------------------------- Mailgun


def mailgun_verify(*, timestamp: str, token: str, signature: str, signing_key: str, now: float, max_age: int) -> int:
    """Check a Mailgun signature; returns the signing time. The caller rejects a reused token."""
    if not signing_key:
        raise WebhookSignatureError("Mailgun webhook signing key is not configured.")
    if not (timestamp and token and signature):
        raise WebhookSignatureError("Missing Mailgun signature.")
    signed_at = _check_fresh(timestamp, now=now, max_age=max_age)
    expected = hmac.new(signing_key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, str(signature).lower()):
        raise WebhookSignatureError("Invalid Mailgun signature.")
    return signed_at


def mailgun_webhook_signature(body: bytes) -> tuple[dict, dict]:
    """A Mailgun webhook post (JSON): the whole document and its ``signature`` block.

    Only the signature is read here, so the caller verifies it before anything else of the body
    counts: an unsigned or forged post is 403 whatever else it carries.
    """
    try:
        data = json_loads_bounded(body)
    except ValueError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("signature"), dict):
        raise WebhookSignatureError("Missing Mailgun signature.")
    return data, data["signature"]


def mailgun_parse_webhook(data: dict) -> tuple[list[ProviderEvent], int]:
    """The event of a (verified) Mailgun webhook document: (events, count ignored), 0 or 1 event."""
    item = data.get("event-data")
    if not isinstance(item, dict):
        raise WebhookPayloadError("Missing event-data.")
    event = _mailgun_event(item)
    return ([event] if event else []), (0 if event else 1)


def _bracketless(message_id: str) -> str:
    return message_id.strip().strip("<>")


def _mailgun_event(item: dict) -> ProviderEvent | None:
    name = item.get("event")
    severity = item.get("severity", "")
    suppress = ""
    if name == "delivered":
        kind = "delivered"
    elif name == "opened":
        kind = "open"
    elif name == "clicked":
        kind = "click"
    elif name == "failed" and severity == "permanent":
        kind, suppress = "bounce", "bounced"
    elif name == "failed":
        kind = "deferred"
    elif name == "rejected":
        kind = "dropped"
    elif name == "complained":
        kind = "complaint"
    elif name == "unsubscribed":
        kind = "unsubscribe"
    else:
        return None
    headers = (item.get("message") or {}).get("headers") or {}
    message_id = _bracketless(str(headers.get("message-id") or ""))
    client = item.get("client-info") or {}
    status = item.get("delivery-status") or {}
    detail = str(status.get("description") or status.get("message") or item.get("reason") or "")
    occurred_at = _epoch(item.get("timestamp"))
    if occurred_at is None:
        raise WebhookPayloadError("The event has no valid timestamp (a Unix time in seconds).")
    event_id = str(item.get("id") or "") or hashlib.sha256(json.dumps(item, sort_keys=True).encode()).hexdigest()
    variables = item.get("user-variables") or {}
    return ProviderEvent(
        kind=kind,
        provider="mailgun",
        event_id=event_id,
        occurred_at=occurred_at,
        email=str(item.get("recipient") or ""),
        result_id=str(variables.get("result_id") or ""),
        provider_message_ids=[p for p in (message_id, f"<{message_id}>") if message_id],
        user_agent=str(client.get("user-agent") or ""),
        ip=str(item.get("ip")) if item.get("ip") else None,
        url=str(item.get("url") or ""),
        suppress=suppress,
        detail=detail,
        raw=item,
    )


# ------------------------------------------------------------------------------------ inbound mail

_AUTO_PRECEDENCE = {"auto_reply", "bulk", "junk", "list"}


def _is_auto_reply(headers: dict) -> bool:
    lowered = {k.lower(): str(v).strip().lower() for k, v in headers.items()}
    auto_submitted = lowered.get("auto-submitted", "no")
    return (
        auto_submitted not in ("", "no")
        or "x-autoreply" in lowered
        or "x-autorespond" in lowered
        or lowered.get("precedence", "") in _AUTO_PRECEDENCE
    )


def _addresses(*values: str) -> list[str]:
    found = [addr for _, addr in getaddresses([v for v in values if v]) if addr]
    return list(dict.fromkeys(found))


def _mail_from_message(provider: str, message: email.message.Message) -> InboundMail:
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
        to=_addresses(headers.get("To", ""), headers.get("Cc", "")),
        subject=headers.get("Subject", ""),
        message_id=_bracketless(headers.get("Message-ID", headers.get("Message-Id", ""))),
        in_reply_to=headers.get("In-Reply-To", ""),
        references=headers.get("References", ""),
        text=text,
        html=html,
        headers=headers,
        is_auto_reply=_is_auto_reply(headers),
    )


def sendgrid_parse_inbound(form) -> InboundMail:
    """A SendGrid Inbound Parse post (multipart): parsed fields, or the full MIME in ``email`` (raw mode)."""
    if form.get("email"):
        raw = form["email"].encode("utf-8", "surrogateescape")
        message = email.message_from_bytes(raw, policy=email.policy.default)
        mail = _mail_from_message("sendgrid", message)
    else:
        header_block = email.message_from_string(form.get("headers", ""), policy=email.policy.default)
        headers = {k: str(v) for k, v in header_block.items()}
        mail = InboundMail(
            provider="sendgrid",
            from_email=parseaddr(form.get("from", "") or headers.get("From", ""))[1],
            to=_addresses(form.get("to", ""), form.get("cc", "")),
            subject=form.get("subject", "") or headers.get("Subject", ""),
            message_id=_bracketless(headers.get("Message-ID", headers.get("Message-Id", ""))),
            in_reply_to=headers.get("In-Reply-To", ""),
            references=headers.get("References", ""),
            text=form.get("text", ""),
            html=form.get("html", ""),
            headers=headers,
            is_auto_reply=_is_auto_reply(headers),
        )
    try:
        envelope = json_loads_bounded(form.get("envelope") or "{}")
    except ValueError:
        envelope = {}
    extra = envelope.get("to") if isinstance(envelope, dict) else None
    if isinstance(extra, list):
        mail.to = list(dict.fromkeys(mail.to + [str(a) for a in extra]))
    return mail


def mailgun_parse_inbound(form) -> InboundMail:
    """A Mailgun route's forward() post (form fields; headers also as a JSON list in message-headers)."""
    headers: dict[str, str] = {}
    try:
        for pair in json_loads_bounded(form.get("message-headers") or "[]"):
            if isinstance(pair, list) and len(pair) == 2:
                headers.setdefault(str(pair[0]), str(pair[1]))
    except ValueError:
        pass

    def header(name: str) -> str:
        return form.get(name) or headers.get(name) or ""

    return InboundMail(
        provider="mailgun",
        from_email=parseaddr(form.get("from", "") or form.get("sender", "") or headers.get("From", ""))[1],
        to=_addresses(form.get("recipient", ""), form.get("To", "") or headers.get("To", "")),
        subject=form.get("subject", "") or headers.get("Subject", ""),
        message_id=_bracketless(header("Message-Id") or headers.get("Message-ID", "")),
        in_reply_to=header("In-Reply-To"),
        references=header("References"),
        text=form.get("body-plain", ""),
        html=form.get("body-html", ""),
        headers=headers,
        is_auto_reply=_is_auto_reply(headers),
    )


_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")


def referenced_message_ids(mail: InboundMail) -> list[str]:
    """Message-IDs the mail answers, most specific first: In-Reply-To, then References newest first."""
    ids = _MESSAGE_ID.findall(mail.in_reply_to) + list(reversed(_MESSAGE_ID.findall(mail.references)))
    if not ids and mail.in_reply_to.strip():
        ids = [mail.in_reply_to.strip()]
    return list(dict.fromkeys(ids))


def sendgrid_payload_fingerprint(*, timestamp: str, body: bytes) -> str:
    """A fixed-length id of what a SendGrid signature signs (timestamp + body), to refuse it twice.

    Not of the signature bytes: ECDSA signatures are malleable ((r, s) and (r, n - s) both verify, and
    base64 decoding skips stray characters), so one signed payload has many valid signatures.
    """
    return hashlib.sha256(timestamp.encode("utf-8", "surrogateescape") + body).hexdigest()
