"""Fake SendGrid and Mailgun HTTP APIs on 127.0.0.1, for tests and benchmarks.

Each checks a request the way the real API would (authentication, at most 1,000 recipients, each
address once per request, substitution sizes, recipient variables for every address) and records
every message it accepted, expanded per recipient, so a test can count exactly who got what.
A script of status codes lets a test simulate outages (503), throttling (429) and refusals (400).
"""

from __future__ import annotations

import base64
import contextlib
import email.parser
import email.policy
import json
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl


@dataclass
class ReceivedMessage:
    to: str
    subject: str
    html: str
    headers: dict
    custom_args: dict
    from_email: str = ""
    attachments: list = field(default_factory=list)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class FakeProvider:
    """Base of the two fakes: a threaded HTTP server, a script of answers and a record."""

    api_key = "test-key"

    def __init__(self, *, latency: float = 0.0, record_bodies: bool = True):
        self.latency = latency
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

    def _record(self, request: dict, messages: list[ReceivedMessage]) -> None:
        with self._lock:
            self.received_count += len(messages)
            if self.record_bodies:
                self.requests.append(request)
                self.messages.extend(messages)
            else:
                self.messages.extend(
                    ReceivedMessage(to=m.to, subject="", html="", headers={}, custom_args=m.custom_args)
                    for m in messages
                )


class FakeSendGrid(FakeProvider):
    """``POST /v3/mail/send`` as SendGrid v3 answers it: 202 with X-Message-Id, or 400 with errors."""

    def accept(self, path, headers, raw):
        if path != "/v3/mail/send":
            return 404, {}, {"errors": [{"message": "not found"}]}
        if headers.get("Authorization") != f"Bearer {self.api_key}":
            return 401, {}, {"errors": [{"message": "The provided authorization grant is invalid.", "field": None}]}
        body = json.loads(raw)
        errors = self.validate(body)
        if errors:
            return 400, {}, {"errors": errors}
        content = {c["type"]: c["value"] for c in body["content"]}
        messages = []
        for p in body["personalizations"]:
            html = content.get("text/html", "")
            for key, value in (p.get("substitutions") or {}).items():
                html = html.replace(key, value)
            for to in p["to"]:
                messages.append(
                    ReceivedMessage(
                        to=to["email"],
                        subject=p.get("subject", body.get("subject", "")),
                        html=html,
                        headers=p.get("headers") or {},
                        custom_args=p.get("custom_args") or {},
                        from_email=body["from"]["email"],
                        attachments=[a["filename"] for a in body.get("attachments") or []],
                    )
                )
        self._record({"path": path, "headers": dict(headers), "body": body if self.record_bodies else None}, messages)
        return 202, {"X-Message-Id": uuid.uuid4().hex[:22]}, {}

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
        messages = []
        for address in to:
            mine = variables.get(address)
            if mine is None:
                return 400, {}, {"message": f"recipient-variables has no entry for {address}"}

            def expand(text: str, mine=mine) -> str:
                for key, value in mine.items():
                    text = text.replace(f"%recipient.{key}%", str(value))
                return text

            messages.append(
                ReceivedMessage(
                    to=address,
                    subject=expand(single.get("subject", "")),
                    html=expand(single.get("html", "")),
                    headers={k[2:]: expand(v) for k, v in fields if k.startswith("h:")},
                    custom_args={k[2:]: expand(v) for k, v in fields if k.startswith("v:")},
                    from_email=single.get("from", ""),
                    attachments=[name for name, _ in files],
                )
            )
        self._record({"path": path, "headers": dict(headers), "fields": fields, "files": files}, messages)
        return 200, {}, {"id": f"<{uuid.uuid4().hex}@{self.domain}>", "message": "Queued. Thank you."}


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
