"""`manage.py check --deploy --settings=salesone.settings.production` reports nothing, and production
answers over HTTPS only: HSTS for a year on subdomains (preload by opt-in), HTTP redirected behind the
proxy header, the health check exempt (issue 16 §6)."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="localhost")
https = client.get("/api/auth/me/", HTTP_X_FORWARDED_PROTO="https")
plain = client.get("/api/auth/me/")
health = client.get("/api/health/")
print(json.dumps({"hsts": https.get("Strict-Transport-Security"), "plain": [plain.status_code, plain.get("Location")],
                  "health": health.status_code}))
"""


def _production(*args, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SECURE_")}
    environment.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG="false",
        DJANGO_SETTINGS_MODULE="salesone.settings.production",
        **env,
    )
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=environment, capture_output=True, text=True)


@pytest.mark.parametrize("preload", ["false", "true"])
def test_check_deploy_reports_nothing(preload):
    result = _production("manage.py", "check", "--deploy", SECURE_HSTS_PRELOAD=preload)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def test_https_only_with_a_year_of_hsts():
    result = _production("-c", PROBE)
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    assert answers["hsts"] == "max-age=31536000; includeSubDomains"
    assert answers["plain"] == [301, "https://localhost/api/auth/me/"]
    assert answers["health"] in (200, 503)  # answered over plain HTTP for the load balancer, not redirected


def test_preload_is_an_opt_in():
    answers = json.loads(_production("-c", PROBE, SECURE_HSTS_PRELOAD="true").stdout.strip().splitlines()[-1])
    assert answers["hsts"] == "max-age=31536000; includeSubDomains; preload"
