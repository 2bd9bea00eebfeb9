"""The benchmarks are no part of the product: production settings install no bench app and route no
bench URL, whatever the environment says; development installs and routes them unless told not to.

Each settings module is loaded in a fresh interpreter, as a server started with it would load it."""

import json
import os
import subprocess
import sys

from django.conf import settings

PROBE = """
import json
import django
from django.conf import settings
from django.urls import Resolver404, resolve

django.setup()
try:
    resolve("/api/t/ceiling/")
    routed = True
except Resolver404:
    routed = False
installed = "bench" in settings.INSTALLED_APPS
print(json.dumps({"enabled": settings.BENCH_ENABLED, "installed": installed, "routed": routed}))
"""


def probe(settings_module: str, **environment: str) -> dict:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": settings_module,
        "SECRET_KEY": "x" * 50,
        "DEBUG": "false",
        **environment,
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_has_no_bench_app_and_no_bench_url():
    assert probe("salesone.settings.production") == {"enabled": False, "installed": False, "routed": False}


def test_production_ignores_bench_enabled_in_the_environment():
    assert probe("salesone.settings.production", BENCH_ENABLED="true") == {
        "enabled": False,
        "installed": False,
        "routed": False,
    }


def test_development_has_the_bench_app_and_its_url():
    assert probe("salesone.settings.development") == {"enabled": True, "installed": True, "routed": True}


def test_development_leaves_the_bench_out_when_told():
    assert probe("salesone.settings.development", BENCH_ENABLED="false") == {
        "enabled": False,
        "installed": False,
        "routed": False,
    }


def test_the_tracking_benchmarks_server_settings_are_production_plus_the_bench():
    """bench_tracking measures production's pixel and click next to the bench's ceiling view."""
    assert probe("bench.production_settings") == {"enabled": True, "installed": True, "routed": True}
