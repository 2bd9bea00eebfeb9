"""Sentry is initialised only when SENTRY_DSN is set, and what it reports carries the request id and
hides URL secrets. The real SDK reports to a fake Sentry on 127.0.0.1 (no network)."""

import gzip
import json
import subprocess
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings

REPORT_AN_ERROR = """
import sentry_sdk
from salesone.wsgi import application  # the web entry point initialises Sentry
from common.request_id import request_id_var

request_id_var.set("req-sentry-42")
sentry_sdk.capture_event(
    {"message": "boom", "level": "error", "request": {"url": "https://api.example/api/webhooks/sendgrid/inbound/topsecret/"}}
)
sentry_sdk.flush(5)
print("active" if sentry_sdk.get_client().is_active() else "inactive")
"""


class FakeSentry:
    def __init__(self):
        self.envelopes: list[bytes] = []
        received = self.envelopes

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                encoding = self.headers.get("Content-Encoding", "")
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "deflate":
                    body = zlib.decompress(body)
                elif encoding == "br":
                    import brotli

                    body = brotli.decompress(body)
                received.append(body)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.dsn = f"http://publickey@127.0.0.1:{self.server.server_address[1]}/1"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def run(extra_env: dict) -> str:
    env = {"PATH": "", "DJANGO_SETTINGS_MODULE": "salesone.settings.test", **extra_env}
    result = subprocess.run(
        [sys.executable, "-c", REPORT_AN_ERROR], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture
def fake_sentry():
    server = FakeSentry()
    yield server
    server.stop()


def test_without_a_dsn_sentry_is_not_initialised(fake_sentry):
    assert run({}) == "inactive"
    assert fake_sentry.envelopes == []


def test_with_a_dsn_an_error_reaches_sentry_with_its_request_id_and_no_secret(fake_sentry):
    assert run({"SENTRY_DSN": fake_sentry.dsn}) == "active"
    assert fake_sentry.envelopes, "nothing reached the fake Sentry"
    events = []
    for envelope in fake_sentry.envelopes:
        for line in envelope.splitlines():
            if line.startswith(b"{") and b'"message"' in line:
                events.append(json.loads(line))
    assert len(events) == 1
    event = events[0]
    assert event["tags"]["request_id"] == "req-sentry-42"
    assert event["environment"] == "production"
    assert event["request"]["url"] == "https://api.example/api/webhooks/sendgrid/inbound/[redacted]/"
    assert b"topsecret" not in b"".join(fake_sentry.envelopes)
