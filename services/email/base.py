"""The interface every e-mail provider implements, and the batching shared by the providers whose
API takes many messages in one request."""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parseaddr
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .tracking import WebhookPost


@dataclass
class Attachment:
    filename: str
    content: bytes
    mimetype: str = "application/octet-stream"
    # Set: an inline part the HTML shows as <img src="cid:{content_id}"> (a report's chart).
    content_id: str = ""


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
    # Not accepted, but certainly not sent either: worth trying again later.
    transient: bool = False


@dataclass
class ProviderRecord:
    """One message as the provider's own log records it (SendGrid's Email Activity, Mailgun's events):
    proof that the provider accepted it, whatever became of our copy of its answer."""

    to: str
    provider_message_id: str  # SendGrid's X-Message-Id; Mailgun's Message-Id of the message
    status: str  # the provider's word: processed, delivered, accepted, ...
    at: datetime | None = None  # when the provider logged it
    # Our custom args as the log returns them (Mailgun's user-variables); SendGrid's list returns none.
    custom_args: dict[str, str] = field(default_factory=dict)


class EmailError(Exception):
    """A provider refused or failed a send."""


class TransientEmailError(EmailError):
    """Worth retrying later or on another provider: 429, 5xx, timeouts, connection errors.

    ``outcome_unknown`` is True when the request may have reached the provider and been accepted
    (the connection broke or timed out after the request was sent): such a message must not be
    sent again automatically, or the recipient may get it twice (DESIGN.md, States).
    ``retry_after`` is the provider's own hint in seconds (a 429's Retry-After), if it gave one.
    """

    def __init__(self, message: str = "", *, outcome_unknown: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.outcome_unknown = outcome_unknown
        self.retry_after = retry_after


class PermanentEmailError(EmailError):
    """Retrying will not help: bad address, rejected content, bad credentials.

    ``affects_all`` marks refusals that no message of this account can get past (bad credentials,
    a suspended account): a campaign stops with this reason instead of failing row after row.
    """

    def __init__(self, message: str = "", *, affects_all: bool = False):
        super().__init__(message)
        self.affects_all = affects_all


class EmailProvider(abc.ABC):
    name: str = ""

    @abc.abstractmethod
    def send(self, message: EmailMessage) -> SendResult:
        """Send one message; raise TransientEmailError or PermanentEmailError on failure."""

    def plan_requests(self, messages: list[EmailMessage]) -> list[list[int]]:
        """How ``send_batch`` splits ``messages`` into provider requests (lists of indexes), so that a
        caller can tell which request an error belongs to. By default all of them form one."""
        return [list(range(len(messages)))]

    def send_planned(self, messages: list[EmailMessage]) -> list[SendResult]:
        """Send the messages of one ``plan_requests`` group: ``send_batch`` here; a batching provider
        sends the group as the one request it is, without planning it again."""
        return self.send_batch(messages)

    def send_batch(self, messages: list[EmailMessage]) -> list[SendResult]:
        """Send many; providers with batch APIs override this. One result per message, in order.

        Raises TransientEmailError or PermanentEmailError when the whole batch failed; a refusal of
        one message only is reported in its SendResult (accepted=False, error=...).
        """
        results: list[SendResult] = []
        for index, message in enumerate(messages):
            try:
                results.append(self.send(message))
            except PermanentEmailError as exc:
                if exc.affects_all:
                    raise
                results.append(SendResult(provider=self.name, accepted=False, error=str(exc)))
            except TransientEmailError as exc:
                if index == 0 or exc.outcome_unknown:
                    raise
                # The ones already sent stay sent; the rest were certainly not sent.
                results.extend(
                    SendResult(provider=self.name, accepted=False, error=str(exc), transient=True)
                    for _ in messages[index:]
                )
                break
        return results

    @classmethod
    def webhook_post(cls, *, body: bytes, headers: Mapping[str, str], now: float, max_age: int) -> WebhookPost:
        """Verify one event webhook post of this provider (raise WebhookSignatureError: 403), then parse
        it (raise WebhookPayloadError: 400). ``max_age``: the oldest signature accepted, in seconds."""
        raise NotImplementedError(f"{cls.name} posts no event webhook")

    # Whether find_messages can answer: a provider without a queryable log cannot resolve anything.
    keeps_message_log: bool = False

    def find_messages(
        self, *, custom_args: dict[str, str], recipients: list[str], since: datetime, until: datetime
    ) -> list[ProviderRecord]:
        """The messages the provider's log holds for these recipients, sent with these custom args
        between ``since`` and ``until``. Its logs lag: a message accepted a moment ago may be missing.
        Raises TransientEmailError when the log cannot be read now (429, 5xx, unreachable)."""
        raise NotImplementedError(f"{self.name} keeps no message log that can be queried")


def address(value: str) -> dict[str, str]:
    """``김민수 <kim@example.kr>`` → ``{"email": "kim@example.kr", "name": "김민수"}``; a bare address →
    ``{"email": …}`` (SendGrid's shape; Mailgun reads the "email")."""
    if "<" not in value and '"' not in value:
        return {"email": value.strip()}  # a bare address: the common case, 1,000 times per request
    name, email = parseaddr(value)
    return {"email": email, "name": name} if name else {"email": email}


class BatchingProvider(EmailProvider):
    """A provider whose API sends many messages in one request (SendGrid's personalizations, Mailgun's
    recipient-variables): ``send_batch`` splits the list by the provider's limits and makes one
    request per batch.

    A request carries messages that share an envelope (``envelope_key``: what the API sets once per
    request), at most ``max_recipients`` of them, each address once (both APIs merge or refuse a
    repeated one). A message whose bodies exceed ``max_body_bytes`` (when the API limits what one
    recipient may substitute) goes in a request of its own, where it needs no substitution.
    """

    max_recipients: int
    max_body_bytes: int | None = None

    @abc.abstractmethod
    def envelope_key(self, message: EmailMessage) -> tuple:
        """What messages sharing one request must have in common."""

    @abc.abstractmethod
    def send_request(self, messages: list[EmailMessage]) -> list[SendResult]:
        """One request with these messages (one plan_requests group): one result per message, in order.
        Raises TransientEmailError or PermanentEmailError when the provider failed the whole request."""

    def send(self, message: EmailMessage) -> SendResult:
        result = self.send_batch([message])[0]
        if not result.accepted:
            raise PermanentEmailError(result.error)
        return result

    def send_batch(self, messages: list[EmailMessage]) -> list[SendResult]:
        results: list[SendResult | None] = [None] * len(messages)
        for indexes in self.plan_requests(messages):
            for index, result in zip(indexes, self.send_request([messages[i] for i in indexes]), strict=True):
                results[index] = result
        return results  # type: ignore[return-value]

    def send_planned(self, messages: list[EmailMessage]) -> list[SendResult]:
        # A group of plan_requests planned again is that one group: planning 1,000 messages twice
        # cost a worker ~5% of its CPU per e-mail (issue 18).
        return self.send_request(messages)

    def plan_requests(self, messages: list[EmailMessage]) -> list[list[int]]:
        """Group message indexes into requests: same envelope, ≤ max_recipients, each address once."""
        groups: dict[tuple, list[int]] = {}
        for index, message in enumerate(messages):
            groups.setdefault(self.envelope_key(message), []).append(index)
        requests: list[list[int]] = []
        limit = self.max_body_bytes
        # UTF-8 takes at most 4 bytes a character: bodies of at most a quarter of the limit in
        # characters (the common case) cannot exceed it, and are not encoded just to be measured.
        surely_within = limit // 4 if limit is not None else 0
        for indexes in groups.values():
            current: list[int] = []
            seen: set[str] = set()
            for index in indexes:
                message = messages[index]
                if (
                    limit is not None
                    and len(message.html) + len(message.text) > surely_within
                    # The two encoded apart: no copy of both bodies joined (3-10 kB per message).
                    and len(message.html.encode()) + len(message.text.encode()) > limit
                ):
                    requests.append([index])  # too large to substitute: its own request
                    continue
                email = address(message.to)["email"].lower()
                if len(current) == self.max_recipients or email in seen:
                    requests.append(current)
                    current, seen = [], set()
                current.append(index)
                seen.add(email)
            if current:
                requests.append(current)
        return requests
