"""SendGrid through its official SDK (v3 ``mail/send``), batching up to 1,000 messages per request.

One request carries up to 1,000 personalizations, each with its own ``to``, ``subject``, ``headers``
and ``custom_args``. The body is per recipient too: v3 has no per-personalization ``content``, so the
request's content is a placeholder and each personalization substitutes its own rendered body
(``substitutions``, at most 10,000 bytes per personalization; a larger body goes in a request of its
own). An address may appear only once per request, so a repeated address starts a new request.

``webhook_post`` verifies and parses an Event Webhook post: ECDSA (P-256, SHA-256) over
``timestamp + raw body``, headers X-Twilio-Email-Event-Webhook-Signature / -Timestamp, checked with the
SDK's verifier. SendGrid signs the exact bytes it posts, so the raw body is verified, never a
re-serialised one.

``find_messages`` reads the Email Activity API (``GET /v3/messages?query=…``) to learn whether SendGrid
has a message whose answer we never got.

The host comes from settings.SENDGRID_API_HOST, so tests run this code against a fake on 127.0.0.1.
"""

from __future__ import annotations

import base64
import binascii
import email
import email.policy
import hashlib
import http.client
import json
import logging
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parseaddr

import orjson
import python_http_client.exceptions as sg_errors
from django.conf import settings
from python_http_client.client import Response
from sendgrid import SendGridAPIClient
from sendgrid.helpers.eventwebhook import EventWebhook

from common.parsers import JSONLoneSurrogate, holds_lone_surrogate

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
    mail_from_message,
)

logger = logging.getLogger(__name__)
_sdk_logger = logging.getLogger("python_http_client.client")

MAX_PERSONALIZATIONS = 1000
# SendGrid's limit on the substitutions of one personalization, in bytes.
MAX_SUBSTITUTION_BYTES = 10_000
HTML_PLACEHOLDER = "-salesone-html-"
TEXT_PLACEHOLDER = "-salesone-text-"
_PERSONALIZATION_FIELD = re.compile(r"^personalizations\.(\d+)")
# Email Activity: at most 1,000 messages per answer; addresses per query, to keep the URL short.
ACTIVITY_LIMIT = 1000
ACTIVITY_RECIPIENTS_PER_QUERY = 100
SENDGRID_SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
SENDGRID_TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"


class SendGridProvider(BatchingProvider):
    name = "sendgrid"
    max_recipients = MAX_PERSONALIZATIONS
    max_body_bytes = MAX_SUBSTITUTION_BYTES

    def __init__(self, *, api_key: str | None = None, host: str | None = None, timeout: float | None = None):
        self.client = SendGridAPIClient(
            api_key=api_key if api_key is not None else settings.SENDGRID_API_KEY,
            host=(host or settings.SENDGRID_API_HOST).rstrip("/"),
        )
        self.timeout = timeout if timeout is not None else settings.EMAIL_HTTP_TIMEOUT

    # -- the Event Webhook ---------------------------------------------------------------------------

    @classmethod
    def webhook_post(cls, *, body: bytes, headers: Mapping[str, str], now: float, max_age: int) -> WebhookPost:
        """Verify one Event Webhook post (settings.SENDGRID_WEBHOOK_PUBLIC_KEY), then parse its events.
        Its replay token is the fingerprint of what the signature signs."""
        timestamp = headers.get(SENDGRID_TIMESTAMP_HEADER, "")
        signed_at = sendgrid_verify(
            body=body,
            signature=headers.get(SENDGRID_SIGNATURE_HEADER, ""),
            timestamp=timestamp,
            public_key=settings.SENDGRID_WEBHOOK_PUBLIC_KEY,
            now=now,
            max_age=max_age,
        )
        events, ignored = sendgrid_parse_events(body)
        token = sendgrid_payload_fingerprint(timestamp=timestamp, body=body)
        return WebhookPost(events=events, ignored=ignored, replay_token=token, signed_at=signed_at)

    # -- the Email Activity log ---------------------------------------------------------------------

    keeps_message_log = True

    def find_messages(self, *, custom_args, recipients, since, until) -> list[ProviderRecord]:
        """Query the Email Activity API, ``ACTIVITY_RECIPIENTS_PER_QUERY`` addresses at a time.

        The activity list has no cursor: answers are newest first (by ``last_event_time``) and at
        most ``ACTIVITY_LIMIT`` long, so a full answer is followed by the same query ending at its
        oldest event. SendGrid allows 6 of these requests a minute; its 429 is a TransientEmailError.
        """
        records: dict[str, ProviderRecord] = {}
        unique = sorted({address(r)["email"].lower() for r in recipients})
        for start in range(0, len(unique), ACTIVITY_RECIPIENTS_PER_QUERY):
            group = unique[start : start + ACTIVITY_RECIPIENTS_PER_QUERY]
            end = until
            while True:
                page = self._activity_page(activity_query(custom_args, group, since, end))
                new = [m for m in page if m.get("msg_id") not in records]
                for item in new:
                    records[item["msg_id"]] = ProviderRecord(
                        to=item.get("to_email", ""),
                        # msg_id is the X-Message-Id the send answered, then ".filter…" per recipient.
                        provider_message_id=str(item["msg_id"]).split(".", 1)[0],
                        status=item.get("status", ""),
                        at=_parse_time(item.get("last_event_time")),
                    )
                times = [t for t in (_parse_time(m.get("last_event_time")) for m in page) if t]
                if len(page) < ACTIVITY_LIMIT or not new or not times:
                    break
                end = min(times)
        return list(records.values())

    def _activity_page(self, query: str) -> list[dict]:
        try:
            response = self.client.client.messages.get(
                query_params={"query": query, "limit": ACTIVITY_LIMIT}, timeout=self.timeout
            )
        except sg_errors.HTTPError as exc:
            status, reason = exc.status_code, _error_text(exc)
            if status == 429:
                retry_after = _header(exc.headers, "Retry-After")
                raise TransientEmailError(
                    f"SendGrid Email Activity rate limit (429): {reason}",
                    retry_after=float(retry_after) if retry_after else None,
                ) from exc
            if status >= 500:
                raise TransientEmailError(f"SendGrid Email Activity error {status}: {reason}") from exc
            raise PermanentEmailError(
                f"SendGrid Email Activity refused the query ({status}): {reason}", affects_all=status in (401, 403)
            ) from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException, OSError) as exc:
            raise TransientEmailError(f"SendGrid Email Activity unreachable: {exc!r}") from exc
        return json.loads(response.body or b"{}").get("messages") or []

    # -- request planning ---------------------------------------------------------------------------

    def envelope_key(self, message: EmailMessage) -> tuple:
        """Messages that share everything but the recipient, subject, body, headers and custom_args."""
        attachments = tuple((a.filename, a.mimetype, hash(a.content)) for a in message.attachments)
        return (
            message.from_email,
            message.reply_to,
            message.category,
            attachments,
            bool(message.text),
            bool(message.html),
        )

    def build_request_body(self, messages: list[EmailMessage]) -> dict:
        first = messages[0]
        single = len(messages) == 1
        personalizations = []
        for message in messages:
            personalization: dict = {"to": [address(message.to)], "subject": message.subject}
            headers = dict(message.headers)
            if message.message_id:
                headers["Message-ID"] = message.message_id
            if headers:
                personalization["headers"] = headers
            if message.custom_args:
                personalization["custom_args"] = {k: str(v) for k, v in message.custom_args.items()}
            if not single:
                substitutions = {HTML_PLACEHOLDER: message.html} if first.html or not first.text else {}
                if first.text:
                    substitutions[TEXT_PLACEHOLDER] = message.text
                personalization["substitutions"] = substitutions
            personalizations.append(personalization)
        content = []
        # text/plain must come first when both are present (SendGrid rejects the other order).
        if first.text:
            content.append({"type": "text/plain", "value": first.text if single else TEXT_PLACEHOLDER})
        if first.html or not first.text:  # a text-only message (plain mode) has no HTML part
            content.append({"type": "text/html", "value": (first.html if single else HTML_PLACEHOLDER) or " "})
        body: dict = {
            "personalizations": personalizations,
            "from": address(first.from_email or settings.DEFAULT_FROM_EMAIL),
            "content": content,
        }
        if first.reply_to:
            body["reply_to"] = address(first.reply_to)
        if first.category:
            body["categories"] = [first.category]
        if first.attachments:
            body["attachments"] = [
                {
                    "content": base64.b64encode(a.content).decode("ascii"),
                    "filename": a.filename,
                    "type": a.mimetype,
                    "disposition": "inline" if a.content_id else "attachment",
                    **({"content_id": a.content_id} if a.content_id else {}),
                }
                for a in first.attachments
            ]
        return body

    # -- the HTTP call ------------------------------------------------------------------------------

    def send_request(self, messages: list[EmailMessage], *, retry_without_refused: bool = True) -> list[SendResult]:
        body = self.build_request_body(messages)
        try:
            response = self._post(body)
        except sg_errors.HTTPError as exc:
            return self._handle_http_error(exc, messages, retry_without_refused)
        except urllib.error.URLError as exc:
            # urllib raises URLError for failures while connecting and sending the request: the
            # provider never had a complete request to accept.
            raise TransientEmailError(f"SendGrid unreachable: {exc.reason}") from exc
        except (TimeoutError, ConnectionError, http.client.HTTPException, OSError) as exc:
            # The request went out; the answer did not come back. SendGrid may have accepted it.
            raise TransientEmailError(
                f"SendGrid did not answer after the request was sent: {exc!r}", outcome_unknown=True
            ) from exc
        message_id = _header(response.headers, "X-Message-Id")
        return [SendResult(provider=self.name, message_id=message_id) for _ in messages]

    def _post(self, body: dict) -> Response:
        """``client.mail.send.post(request_body=body)`` without its debug logging.

        The SDK's ``post`` formats the whole payload into a debug message before the logger decides
        to drop it: the repr of ~3 MB of bytes per 1,000-message request, about 8 ms of a worker's
        CPU per chunk. This builds the same request (URL, headers, the same JSON) through the same SDK
        client and sends it with the SDK's own ``_make_request``, so errors still arrive as
        python_http_client's HTTPError. With that logger at DEBUG, the SDK's own ``post`` runs.

        The body is serialised by orjson: UTF-8 as it is rather than ``json.dumps``' \\uXXXX escapes
        (Korean text: half the bytes) and ~10× faster; the same JSON value (issue 18).
        """
        api = self.client.client.mail.send
        if _sdk_logger.isEnabledFor(logging.DEBUG):
            return api.post(request_body=body, timeout=self.timeout)
        api.request_headers.setdefault("Content-Type", "application/json")
        request = urllib.request.Request(
            api._build_url(None), headers=api.request_headers, data=orjson.dumps(body), method="POST"
        )
        return Response(api._make_request(urllib.request.build_opener(), request, timeout=self.timeout))

    def _handle_http_error(
        self, exc: sg_errors.HTTPError, messages: list[EmailMessage], retry_without_refused: bool
    ) -> list[SendResult]:
        status = exc.status_code
        reason = _error_text(exc)
        if status == 429:
            retry_after = _header(exc.headers, "Retry-After")
            raise TransientEmailError(
                f"SendGrid rate limit (429): {reason}", retry_after=float(retry_after) if retry_after else None
            )
        if status >= 500:
            raise TransientEmailError(f"SendGrid error {status}: {reason}")
        if status in (401, 403):
            raise PermanentEmailError(f"SendGrid refused the credentials ({status}): {reason}", affects_all=True)
        # 400/413: SendGrid refuses the whole request. When its errors name personalizations, fail
        # those and send the others again in one more request.
        refused = _refused_personalizations(exc)
        if refused and retry_without_refused and len(refused) < len(messages):
            keep = [i for i in range(len(messages)) if i not in refused]
            sent = self.send_request([messages[i] for i in keep], retry_without_refused=False)
            results = [
                SendResult(provider=self.name, accepted=False, error=f"SendGrid refused ({status}): {refused[i]}")
                if i in refused
                else None
                for i in range(len(messages))
            ]
            for i, result in zip(keep, sent, strict=True):
                results[i] = result
            return results  # type: ignore[return-value]
        return [
            SendResult(provider=self.name, accepted=False, error=f"SendGrid refused ({status}): {reason}")
            for _ in messages
        ]


# ------------------------------------------------------------------------------ the Event Webhook


def sendgrid_verify(*, body: bytes, signature: str, timestamp: str, public_key: str, now: float, max_age: int) -> int:
    """Check a SendGrid Event Webhook signature; returns the signing time, raises WebhookSignatureError."""
    if not public_key:
        raise WebhookSignatureError("SendGrid webhook verification key is not configured.")
    if not signature or not timestamp:
        raise WebhookSignatureError("Missing SendGrid signature headers.")
    signed_at = check_fresh(timestamp, now=now, max_age=max_age)
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
    suspect = False  # whether some event holds a lone surrogate (found by one search of the body)
    try:
        items = json_loads_bounded(body)
    except JSONLoneSurrogate:
        suspect = True
        items = json_loads_bounded(body, text_only=False)
    except ValueError as exc:
        raise WebhookPayloadError(f"The body is not JSON: {exc}")
    if not isinstance(items, list):
        raise WebhookPayloadError("Expected a JSON array of events.")
    events, ignored = [], 0
    for item in items:
        kind = _SENDGRID_KINDS.get(item.get("event")) if isinstance(item, dict) else None
        # An event holding a lone surrogate cannot be stored: skipped and counted like an unknown kind,
        # so the good events of its batch (bounces, unsubscribes) are kept and SendGrid does not retry.
        if kind is None or (suspect and holds_lone_surrogate(item)):
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
        occurred_at = epoch_seconds(item.get("timestamp"))
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


def sendgrid_payload_fingerprint(*, timestamp: str, body: bytes) -> str:
    """A fixed-length id of what a SendGrid signature signs (timestamp + body), to refuse it twice.

    Not of the signature bytes: ECDSA signatures are malleable ((r, s) and (r, n - s) both verify, and
    base64 decoding skips stray characters), so one signed payload has many valid signatures.
    """
    return hashlib.sha256(timestamp.encode("utf-8", "surrogateescape") + body).hexdigest()


# ---------------------------------------------------------------------------------- inbound mail


def sendgrid_parse_inbound(form) -> InboundMail:
    """A SendGrid Inbound Parse post (multipart): parsed fields, or the full MIME in ``email`` (raw mode)."""
    if form.get("email"):
        raw = form["email"].encode("utf-8", "surrogateescape")
        message = email.message_from_bytes(raw, policy=email.policy.default)
        mail = mail_from_message("sendgrid", message)
    else:
        header_block = email.message_from_string(form.get("headers", ""), policy=email.policy.default)
        headers = {k: str(v) for k, v in header_block.items()}
        mail = InboundMail(
            provider="sendgrid",
            from_email=parseaddr(form.get("from", "") or headers.get("From", ""))[1],
            to=inbound_addresses(form.get("to", ""), form.get("cc", "")),
            subject=form.get("subject", "") or headers.get("Subject", ""),
            message_id=bracketless(headers.get("Message-ID", headers.get("Message-Id", ""))),
            in_reply_to=headers.get("In-Reply-To", ""),
            references=headers.get("References", ""),
            text=form.get("text", ""),
            html=form.get("html", ""),
            headers=headers,
            is_auto_reply=is_auto_reply(headers),
        )
    try:
        envelope = json_loads_bounded(form.get("envelope") or "{}")
    except ValueError:
        envelope = {}
    extra = envelope.get("to") if isinstance(envelope, dict) else None
    if isinstance(extra, list):
        mail.to = list(dict.fromkeys(mail.to + [str(a) for a in extra]))
    return mail


def _quote(value: str) -> str:
    """A string literal of the Email Activity query language."""
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _timestamp(value: datetime) -> str:
    return "TIMESTAMP " + _quote(value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))


def activity_query(custom_args: dict[str, str], recipients: list[str], since: datetime, until: datetime) -> str:
    """``unique_args['k']="v" AND to_email IN ("a","b") AND last_event_time BETWEEN TIMESTAMP … AND …``"""
    clauses = [f"unique_args['{key}']={_quote(value)}" for key, value in sorted(custom_args.items())]
    clauses.append("to_email IN (" + ",".join(_quote(r) for r in recipients) + ")")
    clauses.append(f"last_event_time BETWEEN {_timestamp(since)} AND {_timestamp(until)}")
    return " AND ".join(clauses)


def _parse_time(value) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _header(headers, name: str) -> str:
    if headers is None:
        return ""
    value = headers.get(name) if hasattr(headers, "get") else None
    return value or ""


def _error_body(exc: sg_errors.HTTPError) -> dict:
    try:
        body = exc.body.decode("utf-8") if isinstance(exc.body, bytes) else exc.body
        return json.loads(body or "{}")
    except (ValueError, AttributeError):
        return {}


def _error_text(exc: sg_errors.HTTPError) -> str:
    errors = _error_body(exc).get("errors") or []
    messages = [e.get("message", "") for e in errors if isinstance(e, dict)]
    return "; ".join(m for m in messages if m) or str(exc.reason or exc.status_code)


def _refused_personalizations(exc: sg_errors.HTTPError) -> dict[int, str]:
    refused: dict[int, str] = {}
    for error in _error_body(exc).get("errors") or []:
        if not isinstance(error, dict):
            continue
        match = _PERSONALIZATION_FIELD.match(str(error.get("field") or ""))
        if not match:
            return {}  # an error about the whole request: nothing can be kept
        refused[int(match.group(1))] = error.get("message", "refused")
    return refused
