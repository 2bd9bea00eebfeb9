"""Fake SendGrid and Mailgun HTTP APIs on 127.0.0.1, for tests and benchmarks.

Each checks a request the way the real API would (authentication, at most 1,000 recipients, each
address once per request, substitution sizes, recipient variables for every address) and records
every message it accepted, expanded per recipient, so a test can count exactly who got what.
A script of status codes lets a test simulate outages (503), throttling (429) and refusals (400).

Each also answers the query API of its provider's message log, with the real request and answer
shapes: SendGrid's Email Activity (``GET /v3/messages?query=…&limit=N``, the subset of its query
language we use) and Mailgun's Events (``GET /v3/{domain}/events``, pages linked by ``paging.next``).
As the real logs do, they lag: a message shows there ``log_lag`` seconds after it was accepted.
"""

from __future__ import annotations

import base64
import contextlib
import email.parser
import email.policy
import json
import re
import select
import socket
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, parse_qsl, urlsplit

import orjson


@dataclass
class ReceivedMessage:
    to: str
    subject: str
    html: str
    headers: dict
    custom_args: dict
    from_email: str = ""
    attachments: list = field(default_factory=list)
    accepted_at: float = 0.0  # time.time() when the fake accepted it
    # The answer was written to a client still connected (a client killed while waiting never got it).
    answered: bool = False
    provider_message_id: str = ""  # the id its log shows (SendGrid msg_id, Mailgun message-id)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def _result_id_key(result_id):
    """A result id as a 128-bit int (a quarter of its string's memory), other values as they are.
    The hex digits read directly (uuid.UUID's checks were ~4 µs a message of the bench process)."""
    if isinstance(result_id, str) and len(result_id) == 36:
        try:
            return int(result_id.replace("-", ""), 16)
        except ValueError:
            pass
    try:
        return uuid.UUID(result_id).int
    except (TypeError, ValueError, AttributeError):
        return result_id


class FakeProvider:
    """Base of the two fakes: a threaded HTTP server, a script of answers and a record."""

    api_key = "test-key"

    def __init__(
        self, *, latency: float = 0.0, record_bodies: bool = True, log_lag: float = 0.0, keep_messages: bool = True
    ):
        self.latency = latency
        # False (a benchmark's hundreds of thousands): no record of each message, only the count and
        # the distinct result ids (``result_ids``), so the fake's memory does not grow with the run.
        self.keep_messages = keep_messages
        self.result_ids: set[int] = set()
        self.log_lag = log_lag  # seconds before an accepted message shows in the log queries
        self.log_queries: list[dict] = []  # the log queries received (path and parameters)
        self.log_script: list[int] = []  # status codes the log queries answer, in order, before answering
        self.record_bodies = record_bodies
        self.script: list[int] = []  # status codes to answer, in order, before accepting
        self.requests: list[dict] = []  # raw requests (path, headers, parsed body)
        self.messages: list[ReceivedMessage] = []
        self.received_count = 0
        self.request_count = 0
        self.in_flight = 0
        self._lock = threading.Lock()
        self.request_arrived = threading.Event()
        self.hold = threading.Event()  # cleared: requests wait before answering (a slow provider)
        self.hold.set()
        self.hold_from: int | None = None  # requests from this number on (1-based) wait for ``hold``
        self._local = threading.local()  # the messages of the request this handler thread answers
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                status, headers, body = fake.handle(self.path, self.headers, raw)
                payload = json.dumps(body).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                # A client that died waiting (a killed worker) cannot read the answer; its request
                # still counts as received.
                accepted, fake._local.messages = getattr(fake._local, "messages", []), []
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(payload)
                    self.wfile.flush()
                    if _peer_connected(self.connection):
                        for message in accepted:
                            message.answered = True

            def do_GET(self):
                url = urlsplit(self.path)
                params = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
                with fake._lock:
                    fake.log_queries.append({"path": url.path, "params": params})
                    scripted = fake.log_script.pop(0) if fake.log_script else None
                if scripted is not None and scripted != 200:
                    status, body = scripted, fake.error_body(scripted)
                else:
                    status, body = fake.query_log(url.path, self.headers, params)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(payload)

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.hold.set()
        self.server.shutdown()
        self.server.server_close()

    def recipients(self) -> list[str]:
        return [m.to.lower() for m in self.messages]

    def duplicates(self) -> dict[str, int]:
        return {address: n for address, n in Counter(self.recipients()).items() if n > 1}

    def handle(self, path: str, headers, raw: bytes) -> tuple[int, dict, dict]:
        with self._lock:
            self.request_count += 1
            self.in_flight += 1
            scripted = self.script.pop(0) if self.script else None
            number = self.request_count
        held = self.hold_from is not None and number >= self.hold_from
        if held:
            self.request_arrived.set()
        try:
            if self.latency:
                time.sleep(self.latency)
            if held:
                self.hold.wait()
            if scripted is not None and scripted != 200 and scripted != 202:
                return scripted, ({"Retry-After": "1"} if scripted == 429 else {}), self.error_body(scripted)
            return self.accept(path, headers, raw)
        finally:
            with self._lock:
                self.in_flight -= 1

    def error_body(self, status: int) -> dict:
        return {"errors": [{"message": f"scripted failure {status}", "field": None}]}

    def accept(self, path: str, headers, raw: bytes) -> tuple[int, dict, dict]:
        raise NotImplementedError

    def query_log(self, path: str, headers, params: dict) -> tuple[int, dict]:
        raise NotImplementedError

    def logged(self) -> list[ReceivedMessage]:
        """The accepted messages the log shows now (those accepted ``log_lag`` seconds ago or more)."""
        horizon = time.time() - self.log_lag
        with self._lock:
            return [m for m in self.messages if m.accepted_at <= horizon]

    def _record(self, request: dict, messages: list[ReceivedMessage], *, light: bool = False) -> None:
        """``light``: the messages carry no body already (made so when ``record_bodies`` is off)."""
        now = time.time()
        for message in messages:
            message.accepted_at = now
        if not self.record_bodies and not light:
            messages = [
                ReceivedMessage(
                    to=m.to,
                    subject="",
                    html="",
                    headers={},
                    custom_args=m.custom_args,
                    accepted_at=now,
                    provider_message_id=m.provider_message_id,
                )
                for m in messages
            ]
        self._local.messages = messages
        ids = {_result_id_key(m.custom_args.get("result_id")) for m in messages}
        with self._lock:
            self.received_count += len(messages)
            self.result_ids |= ids
            if self.record_bodies:
                self.requests.append(request)
            if self.keep_messages:
                self.messages.extend(messages)


class FakeSendGrid(FakeProvider):
    """``POST /v3/mail/send`` as SendGrid v3 answers it: 202 with X-Message-Id, or 400 with errors."""

    def accept(self, path, headers, raw):
        if path != "/v3/mail/send":
            return 404, {}, {"errors": [{"message": "not found"}]}
        if headers.get("Authorization") != f"Bearer {self.api_key}":
            return 401, {}, {"errors": [{"message": "The provided authorization grant is invalid.", "field": None}]}
        body = orjson.loads(raw)  # the bench's provider: parsing 1,000 messages is its largest cost
        errors = self.validate(body)
        if errors:
            return 400, {}, {"errors": errors}
        content = {c["type"]: c["value"] for c in body["content"]}
        x_message_id = uuid.uuid4().hex[:22]
        messages = []
        # Without record_bodies (a benchmark) each message is kept without its body: no merged HTML
        # to build only for _record to drop it (the fake runs in the bench's process, on its CPU).
        full = self.record_bodies
        from_email = body["from"]["email"]
        attachments = [a["filename"] for a in body.get("attachments") or []]
        for p in body["personalizations"]:
            html = ""
            if full:
                html = content.get("text/html", "")
                for key, value in (p.get("substitutions") or {}).items():
                    html = html.replace(key, value)
            for to in p["to"]:
                messages.append(
                    ReceivedMessage(
                        to=to["email"],
                        subject=p.get("subject", body.get("subject", "")) if full else "",
                        html=html,
                        headers=(p.get("headers") or {}) if full else {},
                        custom_args=p.get("custom_args") or {},
                        from_email=from_email,
                        attachments=attachments,
                        # The activity log's msg_id: the X-Message-Id, then a per-recipient suffix.
                        provider_message_id=f"{x_message_id}.filterdrecv-fake-{len(messages)}.0",
                    )
                )
        self._record({"path": path, "headers": dict(headers), "body": body if full else None}, messages, light=not full)
        return 202, {"X-Message-Id": x_message_id}, {}

    def query_log(self, path, headers, params):
        """``GET /v3/messages``: newest first (by last_event_time), at most ``limit`` (1-1000)."""
        if path != "/v3/messages":
            return 404, {"errors": [{"message": "not found", "field": None}]}
        if headers.get("Authorization") != f"Bearer {self.api_key}":
            return 401, {"errors": [{"message": "The provided authorization grant is invalid.", "field": None}]}
        try:
            limit = int(params.get("limit", "10"))
        except ValueError:
            limit = 0
        if not 1 <= limit <= 1000:
            return 400, {"errors": [{"message": "limit must be between 1 and 1000", "field": "limit"}]}
        try:
            matches = _activity_filter(params.get("query", ""))
        except ValueError as exc:
            return 400, {"errors": [{"message": f"invalid query: {exc}", "field": "query"}]}
        found = [m for m in self.logged() if matches(m)]
        found.sort(key=lambda m: m.accepted_at, reverse=True)
        return 200, {
            "messages": [
                {
                    "from_email": m.from_email,
                    "msg_id": m.provider_message_id,
                    "subject": m.subject,
                    "to_email": m.to,
                    "status": "delivered",
                    "opens_count": 0,
                    "clicks_count": 0,
                    "last_event_time": _iso(m.accepted_at),
                }
                for m in found[:limit]
            ]
        }

    @staticmethod
    def validate(body: dict) -> list[dict]:
        errors = []
        personalizations = body.get("personalizations") or []
        if not 1 <= len(personalizations) <= 1000:
            errors.append({"message": "personalizations must have 1 to 1000 items", "field": "personalizations"})
        if not (body.get("from") or {}).get("email"):
            errors.append({"message": "The from object must be provided.", "field": "from"})
        if not body.get("content"):
            errors.append({"message": "content is required", "field": "content"})
        seen: set[str] = set()
        for index, p in enumerate(personalizations):
            for to in p.get("to") or []:
                address = (to.get("email") or "").lower()
                if "@" not in address:
                    errors.append({"message": "Invalid email", "field": f"personalizations.{index}.to.0.email"})
                if address in seen:
                    errors.append(
                        {
                            "message": "Each email address in the personalization block should be unique",
                            "field": f"personalizations.{index}.to",
                        }
                    )
                seen.add(address)
            size = sum(len(k.encode()) + len(v.encode()) for k, v in (p.get("substitutions") or {}).items())
            if size > 10_000:
                errors.append(
                    {"message": "substitutions exceed 10000 bytes", "field": f"personalizations.{index}.substitutions"}
                )
            if not p.get("subject") and not body.get("subject"):
                errors.append({"message": "subject is required", "field": f"personalizations.{index}.subject"})
        return errors


class FakeMailgun(FakeProvider):
    """``POST /v3/{domain}/messages`` as Mailgun answers it: 200 {"id", "message"}."""

    domain = "mg.example.co.kr"

    def accept(self, path, headers, raw):
        if path != f"/v3/{self.domain}/messages":
            return 404, {}, {"message": "Domain not found"}
        expected = "Basic " + base64.b64encode(f"api:{self.api_key}".encode()).decode()
        if headers.get("Authorization") != expected:
            return 401, {}, {"message": "Invalid private key"}
        fields, files = _parse_form(headers.get("Content-Type", ""), raw)
        to = [v for k, v in fields if k == "to"]
        if not 1 <= len(to) <= 1000:
            return 400, {}, {"message": "'to' parameter must have 1 to 1000 recipients"}
        single = {k: v for k, v in fields}
        variables = json.loads(single.get("recipient-variables") or "{}")
        request_id = f"{uuid.uuid4().hex}@{self.domain}"
        messages = []
        for address in to:
            mine = variables.get(address)
            if mine is None:
                return 400, {}, {"message": f"recipient-variables has no entry for {address}"}

            def expand(text: str, mine=mine) -> str:
                return expand_recipient_variables(text, mine)

            messages.append(
                ReceivedMessage(
                    to=address,
                    subject=expand(single.get("subject", "")),
                    html=expand(single.get("html", "")),
                    headers={k[2:]: expand(v) for k, v in fields if k.startswith("h:")},
                    custom_args={k[2:]: expand(v) for k, v in fields if k.startswith("v:")},
                    from_email=single.get("from", ""),
                    attachments=[name for name, _ in files],
                    # The log shows the Message-Id the message went out with: ours if we set one.
                    provider_message_id=expand(single.get("h:Message-Id", "")).strip("<>") or request_id,
                )
            )
        self._record({"path": path, "headers": dict(headers), "fields": fields, "files": files}, messages)
        return 200, {}, {"id": f"<{request_id}>", "message": "Queued. Thank you."}

    def query_log(self, path, headers, params):
        """``GET /v3/{domain}/events`` and its ``paging.next`` pages (``…/events/{token}``)."""
        base = f"/v3/{self.domain}/events"
        if path != base and not path.startswith(base + "/"):
            return 404, {"message": "Domain not found"}
        expected = "Basic " + base64.b64encode(f"api:{self.api_key}".encode()).decode()
        if headers.get("Authorization") != expected:
            return 401, {"message": "Invalid private key"}
        offset = 0
        if path != base:  # a page token: the first page's parameters and where this page starts
            try:
                state = json.loads(base64.urlsafe_b64decode(path[len(base) + 1 :]))
                params, offset = state["params"], state["offset"]
            except (ValueError, KeyError):
                return 400, {"message": "Invalid page token"}
        try:
            limit = int(params.get("limit", "100"))
            begin = float(params["begin"]) if params.get("begin") else None
            end = float(params["end"]) if params.get("end") else None
        except ValueError:
            return 400, {"message": "Invalid begin, end or limit"}
        if not 1 <= limit <= 300:
            return 400, {"message": "limit must be between 1 and 300"}
        if end is None and params.get("ascending") not in ("yes", "no"):
            return 400, {"message": "ascending must be provided when end is not"}
        if params.get("event", "accepted") != "accepted":
            return 200, {"items": [], "paging": {}}  # the fake logs acceptance only
        recipients = {r.strip().lower() for r in params.get("recipient", "").split(" OR ") if r.strip()}
        found = [
            m
            for m in self.logged()
            if (begin is None or m.accepted_at >= begin)
            and (end is None or m.accepted_at <= end)
            and (not recipients or m.to.lower() in recipients)
        ]
        found.sort(key=lambda m: m.accepted_at, reverse=params.get("ascending") == "no")
        page = found[offset : offset + limit]

        def link(at: int) -> str:
            token = base64.urlsafe_b64encode(json.dumps({"params": params, "offset": at}).encode()).decode()
            return f"{self.url}{base}/{token}"

        return 200, {
            "items": [
                {
                    "event": "accepted",
                    "id": uuid.uuid5(uuid.NAMESPACE_OID, f"{m.provider_message_id}/{m.to}").hex[:22],
                    "timestamp": m.accepted_at,
                    "log-level": "info",
                    "method": "HTTP",
                    "recipient": m.to,
                    "recipient-domain": m.to.rpartition("@")[2],
                    "envelope": {"sender": m.from_email, "transport": "smtp", "targets": m.to},
                    "message": {
                        "headers": {
                            "to": m.to,
                            "message-id": m.provider_message_id,
                            "from": m.from_email,
                            "subject": m.subject,
                        },
                        "attachments": [],
                        "size": len(m.html),
                    },
                    "tags": [],
                    "user-variables": m.custom_args,
                    "flags": {"is-authenticated": True, "is-test-mode": False},
                }
                for m in page
            ],
            "paging": {"first": link(0), "next": link(offset + len(page)), "previous": link(max(0, offset - limit))},
        }


def expand_recipient_variables(text: str, variables: dict) -> str:
    """Mailgun's batch sending: ``%recipient.key%`` replaced by the recipient's variable."""
    for key, value in variables.items():
        text = text.replace(f"%recipient.{key}%", str(value))
    return text


def _parse_form(content_type: str, raw: bytes) -> tuple[list[tuple[str, str]], list[tuple[str, bytes]]]:
    if content_type.startswith("application/x-www-form-urlencoded"):
        return parse_qsl(raw.decode(), keep_blank_values=True), []
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw
    )
    fields, files = [], []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        payload = part.get_payload(decode=True) or b""
        if filename:
            files.append((filename, payload))
        else:
            fields.append((name, payload.decode("utf-8")))
    return fields, files


def _peer_connected(sock: socket.socket) -> bool:
    """False when the client has gone (its end closed: a killed process's sockets are closed by the
    kernel), checked right after the answer is written."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        return not readable or sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_STRING = r'"((?:[^"\\]|\\.)*)"'
_CLAUSES = [
    (re.compile(r"unique_args\['([^']+)'\]\s*=\s*" + _STRING), "unique_arg"),
    (re.compile(r"(to_email|from_email|msg_id|subject|status)\s*=\s*" + _STRING), "equals"),
    (re.compile(r"(to_email|msg_id)\s+IN\s*\(\s*(" + _STRING + r"(?:\s*,\s*" + _STRING + r")*)\s*\)"), "in"),
    (re.compile(r"msg_id\s+LIKE\s+" + _STRING), "like"),
    (re.compile(r"last_event_time\s+BETWEEN\s+TIMESTAMP\s+" + _STRING + r"\s+AND\s+TIMESTAMP\s+" + _STRING), "between"),
]


def _unquote(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)


def _activity_filter(query: str):
    """A predicate on ReceivedMessage for the clauses of an Email Activity query joined by AND;
    ValueError for anything else (the real API answers 400)."""
    tests = []
    position, query = 0, query.strip()
    while position < len(query):
        found = next(((p.match(query, position), k) for p, k in _CLAUSES if p.match(query, position)), None)
        if found is None:
            raise ValueError(f"cannot parse {query[position : position + 40]!r}")
        match, kind = found
        if kind == "unique_arg":
            key, value = match.group(1), _unquote(match.group(2))
            tests.append(lambda m, key=key, value=value: m.custom_args.get(key) == value)
        elif kind == "equals":
            name, value = match.group(1), _unquote(match.group(2))
            attribute = {"to_email": "to", "msg_id": "provider_message_id"}.get(name, name)
            tests.append(lambda m, a=attribute, v=value: str(getattr(m, a, "")).lower() == v.lower())
        elif kind == "in":
            attribute = {"to_email": "to", "msg_id": "provider_message_id"}[match.group(1)]
            values = {_unquote(v).lower() for v in re.findall(_STRING, match.group(2))}
            tests.append(lambda m, a=attribute, vs=values: str(getattr(m, a)).lower() in vs)
        elif kind == "like":
            prefix = _unquote(match.group(1)).rstrip("%")
            tests.append(lambda m, p=prefix: m.provider_message_id.startswith(p))
        else:
            begin, end = (
                datetime.fromisoformat(_unquote(g).replace("Z", "+00:00")).timestamp() for g in match.groups()
            )
            # Whole seconds in the query: the window covers its last second.
            tests.append(lambda m, b=begin, e=end: b <= m.accepted_at < e + 1)
        position = match.end()
        rest = re.match(r"\s+AND\s+", query[position:])
        if rest:
            position += rest.end()
        elif query[position:].strip():
            raise ValueError(f"expected AND at {query[position : position + 40]!r}")
    return lambda message: all(test(message) for test in tests)
