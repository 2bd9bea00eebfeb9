"""Small fake HTTP servers on 127.0.0.1 (port 0) for the outside world: any webhook target, and Slack."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body or b"null")


@dataclass
class Reply:
    status: int = 200
    body: object = field(default_factory=lambda: {"ok": True})
    headers: dict = field(default_factory=dict)


class FakeServer:
    """Answers with ``responder(recorded) -> Reply`` (default: 200 {"ok": true}) and records each request."""

    def __init__(self, responder: Callable[[Recorded], Reply] | None = None):
        self.requests: list[Recorded] = []
        self.responder = responder or (lambda recorded: Reply())
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                recorded = Recorded(self.command, self.path, dict(self.headers), self.rfile.read(length))
                with server._lock:
                    server.requests.append(recorded)
                reply = server.responder(recorded)
                payload = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def hits(self, path: str) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def fake_slack_responder(recorded: Recorded) -> Reply:
    """Slack's chat.postMessage: checks the bot token and the channel like Slack does."""
    if recorded.headers.get("Authorization") != "Bearer xoxb-test-token":
        return Reply(200, {"ok": False, "error": "invalid_auth"})
    if not recorded.path.endswith("/chat.postMessage"):
        return Reply(404, {"ok": False, "error": "unknown_method"})
    body = recorded.json()
    if body.get("channel") == "#does-not-exist":
        return Reply(200, {"ok": False, "error": "channel_not_found"})
    return Reply(200, {"ok": True, "channel": "C0123", "ts": "1712345678.000100", "message": {"text": body["text"]}})
