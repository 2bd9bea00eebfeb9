import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_production(**env):
    environment = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    environment.update(env, DJANGO_SETTINGS_MODULE="salesone.settings.production")
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize(
    "env, message",
    [({}, "SECRET_KEY must be set"), ({"SECRET_KEY": "x" * 50, "DEBUG": "true"}, "DEBUG must be off")],
)
def test_production_refuses_to_start(env, message):
    result = _load_production(**env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_starts_with_a_key_and_debug_off():
    result = _load_production(SECRET_KEY="x" * 50, DEBUG="false")
    assert result.returncode == 0, result.stderr
