"""Fakes of the sources that enrich a lead, on 127.0.0.1: the NTS business-status API and websites.

``FakeNts`` checks each request as the real API would (the service key in the query string, a JSON
body ``{"b_no": [...]}`` of 1–100 ten-digit numbers; 413 TOO_LARGE_REQUEST above 100) and answers
from its ``statuses`` (b_no → "01"/"02"/"03"); an unknown number gets the NTS's "not registered"
row. ``script`` holds status codes to answer first (a 503 outage, a 429). ``FakeWebsite`` serves
paths from a dict, robots.txt included.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

_STATUS_NAMES = {"01": "계속사업자", "02": "휴업자", "03": "폐업자"}
NOT_REGISTERED = "국세청에 등록되지 않은 사업자등록번호입니다."


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class _Fake:
    def __init__(self, handler_class):
        self.server = _Server(("127.0.0.1", 0), handler_class)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class FakeNts(_Fake):
    service_key = "test-nts-key"

    def __init__(self):
        self.statuses: dict[str, str] = {}  # b_no → b_stt_cd
        self.end_dates: dict[str, str] = {}  # b_no → end_dt (YYYYMMDD)
        self.script: list[int] = []
        self.requests: list[list[str]] = []  # the b_no list of each accepted request
        self.refused: list[str] = []  # why each refused request was refused
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if fake.script:
                    status = fake.script.pop(0)
                    return self._answer(status, {"status_code": "ERROR", "message": "scripted"})
                parts = urlsplit(self.path)
                if parts.path != "/status":
                    return self._refuse(404, "NOT_FOUND", f"no route {parts.path}")
                if parse_qs(parts.query).get("serviceKey") != [fake.service_key]:
                    return self._refuse(401, "SERVICE_KEY_IS_NOT_REGISTERED_ERROR", "bad serviceKey")
                if "json" not in (self.headers.get("Content-Type") or ""):
                    return self._refuse(400, "BAD_JSON_REQUEST", "not JSON")
                try:
                    numbers = json.loads(body)["b_no"]
                except (ValueError, KeyError, TypeError):
                    return self._refuse(400, "BAD_JSON_REQUEST", "no b_no list")
                if not isinstance(numbers, list) or not numbers:
                    return self._refuse(411, "REQUEST_DATA_MALFORMED", "empty b_no")
                if len(numbers) > 100:
                    return self._refuse(413, "TOO_LARGE_REQUEST", f"{len(numbers)} numbers")
                if not all(isinstance(n, str) and len(n) == 10 and n.isdigit() for n in numbers):
                    return self._refuse(400, "BAD_JSON_REQUEST", "b_no must be 10 digits without dashes")
                fake.requests.append(numbers)
                data = [fake.row(number) for number in numbers]
                matched = sum(1 for row in data if row["b_stt_cd"])
                self._answer(
                    200, {"request_cnt": len(numbers), "match_cnt": matched, "status_code": "OK", "data": data}
                )

            def _refuse(self, status: int, code: str, why: str) -> None:
                fake.refused.append(why)
                self._answer(status, {"status_code": code})

        super().__init__(Handler)

    def row(self, number: str) -> dict:
        code = self.statuses.get(number, "")
        return {
            "b_no": number,
            "b_stt": _STATUS_NAMES.get(code, ""),
            "b_stt_cd": code,
            "tax_type": "부가가치세 일반과세자" if code else NOT_REGISTERED,
            "tax_type_cd": "01" if code else "",
            "end_dt": self.end_dates.get(number, "") if code == "03" else "",
            "utcc_yn": "N",
            "tax_type_change_dt": "",
            "invoice_apply_dt": "",
            "rbf_tax_type": "",
            "rbf_tax_type_cd": "",
        }


class FakeWebsite(_Fake):
    """Serves ``pages`` (path → (status, content type, body)); records every path requested."""

    def __init__(self, pages: dict[str, tuple[int, str, str]] | None = None):
        self.pages = dict(pages or {})
        self.paths: list[str] = []
        self.user_agents: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                fake.paths.append(self.path)
                fake.user_agents.append(self.headers.get("User-Agent", ""))
                status, content_type, body = fake.pages.get(self.path, (404, "text/plain", "not found"))
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                if status in (301, 302):
                    self.send_header("Location", body)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        super().__init__(Handler)
