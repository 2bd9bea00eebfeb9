"""The inbound secret (a URL path segment) and the stream token (a query parameter) never reach the logs.

Real gunicorn processes, started from the repository root as the Procfile starts them (so they read
gunicorn.conf.py): the API (WSGI, gthread) and the stream server (ASGI, uvicorn worker). The test
reads their access logs and Django's log lines.
"""

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
from django.db import connection

from apps.tracking.realtime import stream_token_issue

ROOT = Path(__file__).resolve().parents[3]
SECRET = f"inbound-{uuid.uuid4().hex}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def serve(transactional_db, tmp_path):
    """``serve(*gunicorn_args) -> (base_url, access_log_path, stderr_path)``; stopped after the test."""
    processes = []
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "salesone.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "TRACKING_INBOUND_SECRET": SECRET,
        "PYTHONUNBUFFERED": "1",
    }

    def start(app: str, *args: str, log_format: str = "plain"):
        port = _free_port()
        access, errors = tmp_path / f"access-{port}.log", tmp_path / f"stderr-{port}.log"
        command = [sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}", "--workers", "1"]
        with open(errors, "w") as stderr:
            process = subprocess.Popen(
                [*command, *args, "--access-logfile", str(access)],
                cwd=ROOT,
                env={**env, "LOG_FORMAT": log_format},
                stderr=stderr,
            )
        processes.append(process)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, errors.read_text()
            try:
                requests.get(f"http://127.0.0.1:{port}/api/t/o/x/", timeout=30)
                break
            except requests.RequestException:
                time.sleep(0.2)
        return f"http://127.0.0.1:{port}", access, errors

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=30)


def _logs(*paths: Path) -> str:
    time.sleep(0.3)  # the access line is written after the response
    return "".join(path.read_text() for path in paths)


def test_api_server_logs_neither_inbound_secret_nor_stream_token(serve):
    base, access, errors = serve("salesone.wsgi:application", "--worker-class", "gthread", "--threads", "2")
    form = {"from": "ceo@nexpa.co.kr", "to": "sales@salesone.kr", "subject": "Re: 제안", "text": "네"}
    assert requests.post(f"{base}/api/webhooks/sendgrid/inbound/{SECRET}/", data=form, timeout=30).status_code == 200
    wrong = SECRET[:-4] + "zzzz"  # a near miss logs a 403 warning with its path
    assert requests.post(f"{base}/api/webhooks/sendgrid/inbound/{wrong}/", data=form, timeout=30).status_code == 403
    token = stream_token_issue(user=SimpleNamespace(pk=uuid.uuid4()))
    assert requests.get(f"{base}/api/tracking/stream/?token={token}", timeout=30).status_code == 404

    logs = _logs(access, errors)
    assert SECRET not in logs and wrong not in logs and token not in logs
    assert '"POST /api/webhooks/sendgrid/inbound/[redacted]/ HTTP/1.1" 200' in logs
    assert "Forbidden: /api/webhooks/sendgrid/inbound/[redacted]/" in logs  # Django's django.request line
    assert '"GET /api/tracking/stream/?token=[redacted] HTTP/1.1" 404' in logs


def test_stream_server_access_log_masks_the_token(serve):
    base, access, errors = serve("salesone.asgi:application", "-k", "uvicorn_worker.UvicornWorker")
    token = f"{uuid.uuid4().hex}:secret-part"
    assert requests.get(f"{base}/api/tracking/stream/?token={token}", timeout=30).status_code == 401
    logs = _logs(access, errors)
    assert token not in logs and "secret-part" not in logs
    assert '"GET /api/tracking/stream/?token=[redacted] HTTP/1.1" 401' in logs


def test_api_access_lines_are_json_objects_with_the_request_id(serve):
    """LOG_FORMAT=json (production): an access line is one JSON object, as Django's own lines are, with
    the request id the response carried, the masked path, the status and the time in UTC."""
    base, access, _errors = serve(
        "salesone.wsgi:application", "--worker-class", "gthread", "--threads", "2", log_format="json"
    )
    form = {"from": "ceo@nexpa.co.kr", "to": "sales@salesone.kr", "subject": "Re: 제안", "text": "네"}
    before = datetime.now(UTC)
    response = requests.post(f"{base}/api/webhooks/sendgrid/inbound/{SECRET}/?key=k-secret", data=form, timeout=30)
    assert response.status_code == 200

    logs = _logs(access)
    assert SECRET not in logs and "k-secret" not in logs
    lines = [json.loads(line) for line in logs.splitlines()]
    (line,) = [line for line in lines if line.get("request_id") == response.headers["X-Request-ID"]]
    assert line["logger"] == "gunicorn.access" and line["level"] == "INFO"
    assert (line["method"], line["path"], line["status"]) == (
        "POST",
        "/api/webhooks/sendgrid/inbound/[redacted]/?key=[redacted]",
        200,
    )
    assert line["duration_ms"] > 0 and line["user_agent"].startswith("python-requests")
    logged_at = datetime.fromisoformat(line["time"].replace("Z", "+00:00"))
    assert line["time"].endswith("Z") and before - timedelta(seconds=1) <= logged_at <= datetime.now(UTC)
