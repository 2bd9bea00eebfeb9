"""The SPA's way of calling us works: openapi-typescript generates types from the live schema and a small
client (tools/openapi-client/client.ts) type-checks against them with tsc. The tools come pinned from
tools/openapi-client/package-lock.json through `npm ci`."""

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parents[2] / "tools" / "openapi-client"
STAMP = TOOLS / "node_modules" / ".installed-lock-sha256"

pytestmark = pytest.mark.django_db


def _run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=TOOLS, capture_output=True, text=True, timeout=600)


def _install_tools() -> None:
    """``npm ci`` once per change of package-lock.json."""
    lock = hashlib.sha256((TOOLS / "package-lock.json").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == lock:
        return
    result = _run("npm", "ci", "--no-audit", "--no-fund", "--prefer-offline")
    assert result.returncode == 0, result.stdout + result.stderr
    STAMP.write_text(lock)


def test_generated_client_type_checks(api_client):
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("node and npm are not installed: the TypeScript client check needs them (CI has node 20)")
    _install_tools()
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    (TOOLS / "generated").mkdir(exist_ok=True)
    (TOOLS / "generated" / "openapi.json").write_text(json.dumps(schema))
    generated = _run("node_modules/.bin/openapi-typescript", "generated/openapi.json", "-o", "generated/api.d.ts")
    assert generated.returncode == 0, generated.stdout + generated.stderr
    checked = _run("node_modules/.bin/tsc", "-p", "tsconfig.json")
    assert checked.returncode == 0, checked.stdout + checked.stderr
