"""A fake OpenAI-compatible chat-completions API on 127.0.0.1 (the insights backend; the personalisation
tests subclass it with their own ``content``).

``POST {url}/chat/completions`` records each request (path, Authorization header, JSON body) and
answers as the real API does: ``choices[0].message.content`` holding a JSON object with the draft's
keys, each text prefixed with "모델: " (lists item by item), so a test sees the model's answer apart
from the rule-based one. ``script`` holds what to do first, one entry per request: an HTTP status
(500, 429 ...), ``"slow"`` (answer after ``slow_seconds``), ``"huge"`` (an answer of ``huge_bytes``),
``"not_json"`` (prose instead of JSON) or a dict (that content as the JSON object).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeChatCompletions:
    api_key = "sk-insights-test"

    def __init__(self):
        self.script: list = []
        self.requests: list[dict] = []
        self.slow_seconds = 3.0
        self.huge_bytes = 200_000
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
                step = fake.script.pop(0) if fake.script else 200
                status, payload = fake._answer(step, body)
                # The client may have given up (a timeout, an answer over its size cap): that is fine.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def _answer(self, step, body: dict) -> tuple[int, bytes]:
        if isinstance(step, int) and step != 200:
            return step, json.dumps({"error": {"message": f"scripted {step}"}}).encode()
        if step == "slow":
            time.sleep(self.slow_seconds)
        if step == "huge":
            content = "x" * self.huge_bytes
        elif step == "not_json":
            content = "이 회사는 좋은 회사입니다."
        elif isinstance(step, dict):
            content = json.dumps(step, ensure_ascii=False)
        else:
            content = self.content(body)
        answer = {"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}
        return 200, json.dumps(answer, ensure_ascii=False).encode()

    def content(self, body: dict) -> str:
        """The model's answer to a request: the draft's keys, each text prefixed with "모델: "."""
        draft = json.loads(body["messages"][1]["content"])["draft"]
        return json.dumps(
            {
                key: [f"모델: {item}" for item in value] if isinstance(value, list) else f"모델: {value}"
                for key, value in draft.items()
            },
            ensure_ascii=False,
        )

    def prompt_facts(self, index: int = -1) -> dict:
        """The facts the backend sent in a request (the user message's JSON)."""
        return json.loads(self.requests[index]["body"]["messages"][1]["content"])["facts"]

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
