"""LOG_FORMAT=json: one JSON object a line, with the request id and the authenticated user of the
request, times in UTC, and URL secrets still masked (salesone/log_redaction.py)."""

import copy
import io
import json
import logging
import logging.config
import subprocess
import sys

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """Django's console handler as LOGGING builds it for LOG_FORMAT=json, writing to a buffer."""
    config = copy.deepcopy(settings.LOGGING)  # dictConfig's factories pop their "()" key
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    factory = logging.config.DictConfigurator(config)
    handler.setFormatter(factory.configure_formatter(config["formatters"]["json"]))
    for name in config["handlers"]["console"]["filters"]:
        handler.addFilter(factory.configure_filter(config["filters"][name]))
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


def test_a_log_line_names_the_request_and_its_user(auth_client, user, json_lines):
    response = auth_client.get("/api/campaigns/00000000-0000-0000-0000-000000000000/", HTTP_X_REQUEST_ID="req-77")
    assert response.status_code == 404
    [line] = [line for line in json_lines() if line["message"].startswith("Not Found")]
    assert line["request_id"] == "req-77"
    assert line["user_id"] == str(user.pk)
    assert line["level"] == "WARNING" and line["logger"] == "django.request"
    assert line["time"].endswith("Z")
    assert line["task_id"] is None and line["campaign_id"] is None


def test_an_anonymous_request_has_no_user_and_its_secret_is_masked(api_client, json_lines):
    api_client.post("/api/webhooks/sendgrid/inbound/guessed-secret/", {}, HTTP_X_REQUEST_ID="req-78")
    lines = [line for line in json_lines() if line["request_id"] == "req-78"]
    assert lines, "the refused inbound post was not logged"
    for line in lines:
        assert line["user_id"] is None
        assert "guessed-secret" not in json.dumps(line)


def test_production_logs_json_and_development_plain_lines():
    probe = "from django.conf import settings; print(settings.LOGGING['handlers']['console']['formatter'])"
    formatters = {}
    for module in ("production", "development"):
        result = subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {probe}"],
            cwd=settings.BASE_DIR,
            env={"PATH": "", "DJANGO_SETTINGS_MODULE": f"salesone.settings.{module}", "SECRET_KEY": "x" * 50},
            capture_output=True,
            text=True,
            check=True,
        )
        formatters[module] = result.stdout.strip()
    assert formatters == {"production": "json", "development": "plain"}
