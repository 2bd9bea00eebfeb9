"""Mailgun through its HTTP API with requests: up to 1,000 recipients per request (batch sending).

Each recipient's own subject, body, headers and custom variables travel in ``recipient-variables``
and are referenced as ``%recipient.key%`` in the request; with recipient-variables present, Mailgun
sends every ``to`` address a message of its own (no recipient sees the others).
``webhook_post`` verifies and parses a webhook post: HMAC-SHA256 of ``timestamp + token`` with the
webhook signing key, lowercase hex; the token must not have been seen before (the caller records it).
``find_messages`` reads the Events API (``GET /v3/{domain}/events``, ``paging.next`` pages) to learn
whether Mailgun accepted a message whose answer we never got.
The base URL comes from settings.MAILGUN_API_BASE_URL, so tests run against a fake on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parseaddr

import orjson
import requests
from django.conf import settings

from .base import (
    BatchingProvider,
    EmailMessage,
    PermanentEmailError,
    ProviderRecord,
    SendResult,
    TransientEmailError,
    address,
)
from .tracking import (
    InboundMail,
    ProviderEvent,
    WebhookPayloadError,
    WebhookPost,
    WebhookSignatureError,
    bracketless,
    check_fresh,
    epoch_seconds,
    inbound_addresses,
    is_auto_reply,
    json_loads_bounded,
    refuse_lone_surrogate,
)

logger = logging.getLogger(__name__)

MAX_RECIPIENTS = 1000
# Events API: at most 300 events per page; addresses per query, OR-ed in one recipient filter.
EVENTS_LIMIT = 300
EVENTS_RECIPIENTS_PER_QUERY = 50
# A safety stop for a paging loop that would not end (each page is a request).
EVENTS_MAX_PAGES = 200


class MailgunProvider(BatchingProvider):
    name = "mailgun"
    max_recipients = MAX_RECIPIENTS

    def __init__(
        self,
        *,
        api_key: str | None = None,
        domain: str | None = None,
        base_url: str | None = None,
        timeout: float | None = None,
    ):
        self.api_key = api_key if api_key is not None else settings.MAILGUN_API_KEY
        self.domain = domain if domain is not None else settings.MAILGUN_DOMAIN
        self.base_url = (base_url or settings.MAILGUN_API_BASE_URL).rstrip("/")
        self.timeout = timeout if timeout is not None else settings.EMAIL_HTTP_TIMEOUT
        self.session = requests.Session()
        self.session.auth = ("api", self.api_key)

    # -- webhooks ------------------------------------------------------------------------------------

    @classmethod
    def webhook_post(cls, *, body: bytes, headers: Mapping[str, str], now: float, max_age: int) -> WebhookPost:
        """Verify one webhook post (its ``signature`` block), then parse its event. The signature is
        checked before anything else of the body counts: a forged post is 403, never 400."""
        data, signature = mailgun_webhook_signature(body)
        signed_at = cls.verify_signature(signature, now=now, max_age=max_age)
        refuse_lone_surrogate(data)
        events, ignored = mailgun_parse_webhook(data)
        return WebhookPost(events=events, ignored=ignored, replay_token=str(signature["token"]), signed_at=signed_at)

    @classmethod
    def verify_signature(cls, signature: Mapping, *, now: float, max_age: int) -> int:
        """Check ``timestamp``, ``token`` and ``signature`` (a webhook's signature block, a route's form)
        with settings.MAILGUN_WEBHOOK_SIGNING_KEY; returns the signing time."""
        return mailgun_verify(
            timestamp=str(signature.get("timestamp") or ""),
            token=str(signature.get("token") or ""),
            signature=str(signature.get("signature") or ""),
            signing_key=settings.MAILGUN_WEBHOOK_SIGNING_KEY,
            now=now,
            max_age=max_age,
        )

    # -- the events log -----------------------------------------------------------------------------

    keeps_message_log = True

    def find_messages(self, *, custom_args, recipients, since, until) -> list[ProviderRecord]:
        """``accepted`` events of these recipients in [since, until], oldest first, every page, kept
        when their user-variables carry ``custom_args`` (the events API has no filter on them)."""
        records: dict[str, ProviderRecord] = {}
        unique = sorted({address(r)["email"].lower() for r in recipients})
        for start in range(0, len(unique), EVENTS_RECIPIENTS_PER_QUERY):
            group = unique[start : start + EVENTS_RECIPIENTS_PER_QUERY]
            params: dict | None = {
                "begin": f"{since.timestamp():.6f}",
                "end": f"{until.timestamp():.6f}",
                "ascending": "yes",
                "limit": EVENTS_LIMIT,
                "event": "accepted",
                "recipient": " OR ".join(group),
            }
            url = f"{self.base_url}/{self.domain}/events"
            for _ in range(EVENTS_MAX_PAGES):
                page = self._events_page(url, params)
                items = page.get("items") or []
                if not items:
                    break
                for item in items:
                    variables = item.get("user-variables") or {}
                    if any(str(variables.get(k)) != str(v) for k, v in custom_args.items()):
                        continue
                    headers = (item.get("message") or {}).get("headers") or {}
                    message_id = str(headers.get("message-id") or "").strip("<>")
                    records[item.get("id") or f"{message_id}/{item.get('recipient')}"] = ProviderRecord(
                        to=item.get("recipient", ""),
                        provider_message_id=f"<{message_id}>" if message_id else "",
                        status=item.get("event", ""),
                        at=datetime.fromtimestamp(float(item["timestamp"]), UTC) if item.get("timestamp") else None,
                        custom_args={k: str(v) for k, v in variables.items()},
                    )
                url, params = (page.get("paging") or {}).get("next"), None  # the next URL carries the query
                if not url:
                    break
        return list(records.values())

    def _events_page(self, url: str, params: dict | None) -> dict:
        try:
            response = self.session.get(url, params=params, timeout=self.timeout)
        except requests.RequestException as exc:
            raise TransientEmailError(f"Mailgun events unreachable: {exc}") from exc
        status = response.status_code
        if status == 200:
            return response.json()
        reason = _reason(response)
        if status == 429 or status >= 500:
            retry_after = response.headers.get("Retry-After")
            raise TransientEmailError(
                f"Mailgun events error {status}: {reason}", retry_after=float(retry_after) if retry_after else None
            )
        raise PermanentEmailError(
            f"Mailgun events refused the query ({status}): {reason}", affects_all=status in (401, 403)
        )

    def envelope_key(self, message: EmailMessage) -> tuple:
        """What the request sets once: sender, tag, attachments, which parts, and the names of the
        headers and variables (their values travel per recipient in recipient-variables)."""
        attachments = tuple((a.filename, a.mimetype, hash(a.content)) for a in message.attachments)
        return (
            message.from_email,
            message.reply_to,
            message.category,
            attachments,
            bool(message.text),
            bool(message.html),
            bool(message.message_id),
            tuple(sorted(message.headers)),
            tuple(sorted(message.custom_args)),
        )

    def build_request(self, messages: list[EmailMessage]) -> tuple[list[tuple[str, str]], list]:
        """The form fields and files of one request to ``/{domain}/messages``."""
        first = messages[0]
        fields: list[tuple[str, str]] = [("from", first.from_email or settings.DEFAULT_FROM_EMAIL)]
        variables: dict[str, dict[str, str]] = {}
        for message in messages:
            fields.append(("to", message.to))
            per_recipient = {"subject": message.subject}
            if message.html:
                per_recipient["html"] = message.html
            if message.text:
                per_recipient["text"] = message.text
            if message.message_id:
                per_recipient["message_id"] = message.message_id
            for index, value in enumerate(message.headers.values()):
                per_recipient[f"header_{index}"] = value
            for key, value in message.custom_args.items():
                per_recipient[f"v_{key}"] = str(value)
            variables[address(message.to)["email"]] = per_recipient
        fields += [("subject", "%recipient.subject%")]
        if first.html:  # a text-only message (plain mode) has no HTML part
            fields.append(("html", "%recipient.html%"))
        fields.append(("recipient-variables", orjson.dumps(variables).decode()))
        if first.text:
            fields.append(("text", "%recipient.text%"))
        if first.reply_to:
            fields.append(("h:Reply-To", first.reply_to))
        if first.message_id:
            fields.append(("h:Message-Id", "%recipient.message_id%"))
        for index, name in enumerate(first.headers):
            fields.append((f"h:{name}", f"%recipient.header_{index}%"))
        for key in first.custom_args:
            fields.append((f"v:{key}", f"%recipient.v_{key}%"))
        if first.category:
            fields.append(("o:tag", first.category))
        # Mailgun names an inline part's Content-ID after its file name.
        files = [
            ("inline", (a.content_id, a.content, a.mimetype))
            if a.content_id
            else ("attachment", (a.filename, a.content, a.mimetype))
            for a in first.attachments
        ]
        return fields, files

    def send_request(self, messages: list[EmailMessage]) -> list[SendResult]:
        fields, files = self.build_request(messages)
        url = f"{self.base_url}/{self.domain}/messages"
        try:
            response = self.session.post(url, data=fields, files=files or None, timeout=self.timeout)
        except (requests.ConnectTimeout, requests.exceptions.SSLError) as exc:
            raise TransientEmailError(f"Mailgun unreachable: {exc}") from exc
        except requests.ConnectionError as exc:
            if _failed_before_sending(exc):
                raise TransientEmailError(f"Mailgun unreachable: {exc}") from exc
            raise TransientEmailError(
                f"Mailgun did not answer after the request was sent: {exc}", outcome_unknown=True
            ) from exc
        except requests.Timeout as exc:  # ReadTimeout: the request went out, the answer did not come
            raise TransientEmailError(
                f"Mailgun did not answer after the request was sent: {exc}", outcome_unknown=True
            ) from exc
        status = response.status_code
        reason = _reason(response)
        if status == 200:
            message_id = (response.json().get("id") or "").strip()
            return [SendResult(provider=self.name, message_id=message_id) for _ in messages]
        if status == 429:
            retry_after = response.headers.get("Retry-After")
            raise TransientEmailError(
                f"Mailgun rate limit (429): {reason}", retry_after=float(retry_after) if retry_after else None
            )
        if status >= 500:
            raise TransientEmailError(f"Mailgun error {status}: {reason}")
        if status in (401, 403):
            raise PermanentEmailError(f"Mailgun refused the credentials ({status}): {reason}", affects_all=True)
        return [
            SendResult(provider=self.name, accepted=False, error=f"Mailgun refused ({status}): {reason}")
            for _ in messages
        ]


# ----------------------------------------------------------------------------------------- webhooks


def mailgun_verify(*, timestamp: str, token: str, signature: str, signing_key: str, now: float, max_age: int) -> int:
    """Check a Mailgun signature; returns the signing time. The caller rejects a reused token."""
    if not signing_key:
        raise WebhookSignatureError("Mailgun webhook signing key is not configured.")
    if not (timestamp and token and signature):
        raise WebhookSignatureError("Missing Mailgun signature.")
    signed_at = check_fresh(timestamp, now=now, max_age=max_age)
    # As bytes: a token or signature of JSON text may be non-ASCII, even a lone surrogate ("\ud800"),
    # which str.encode and hmac.compare_digest of str refuse (a 500, not the 403 it is).
    signed = f"{timestamp}{token}".encode("utf-8", "surrogatepass")
    expected = hmac.new(signing_key.encode(), signed, hashlib.sha256).hexdigest().encode()
    if not hmac.compare_digest(expected, str(signature).lower().encode("utf-8", "surrogatepass")):
        raise WebhookSignatureError("Invalid Mailgun signature.")
    return signed_at


def mailgun_webhook_signature(body: bytes) -> tuple[dict, dict]:
    """A Mailgun webhook post (JSON): the whole document and its ``signature`` block.

    Only the signature is read here, so the caller verifies it before anything else of the body
    counts: an unsigned or forged post is 403 whatever else it carries (a lone surrogate included:
    the caller refuses it after the signature).
    """
    try:
        data = json_loads_bounded(body, text_only=False)
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
    message_id = bracketless(str(headers.get("message-id") or ""))
    client = item.get("client-info") or {}
    status = item.get("delivery-status") or {}
    detail = str(status.get("description") or status.get("message") or item.get("reason") or "")
    occurred_at = epoch_seconds(item.get("timestamp"))
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


# ---------------------------------------------------------------------------------- inbound mail


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
        to=inbound_addresses(form.get("recipient", ""), form.get("To", "") or headers.get("To", "")),
        subject=form.get("subject", "") or headers.get("Subject", ""),
        message_id=bracketless(header("Message-Id") or headers.get("Message-ID", "")),
        in_reply_to=header("In-Reply-To"),
        references=header("References"),
        text=form.get("body-plain", ""),
        html=form.get("body-html", ""),
        headers=headers,
        is_auto_reply=is_auto_reply(headers),
    )


def _failed_before_sending(exc: requests.ConnectionError) -> bool:
    """True when the connection could not be made at all (refused, no route, DNS)."""
    cause = exc.args[0] if exc.args else None
    text = repr(cause)
    return any(marker in text for marker in ("NewConnectionError", "ConnectionRefused", "NameResolution"))


def _reason(response: requests.Response) -> str:
    try:
        return str(response.json().get("message") or response.reason)
    except ValueError:
        return response.text[:500] or str(response.reason)
