"""What a newcomer runs first (issue 19): `make help` lists every target with one line, `make run`
hands the Procfile its ports as settings (PORT, STREAM_PORT, SPAMD_PORT, defaults 8000/8001/7830), and
each Procfile process binds the port meant for it under honcho, which gives every process a PORT of
its own."""

import os
import re
import subprocess
from pathlib import Path

from honcho.environ import expand_processes, parse_procfile

ROOT = Path(__file__).resolve().parents[2]
PORT_SETTINGS = ("PORT", "STREAM_PORT", "SPAMD_PORT", "PUBLIC_BASE_URL", "TRACKING_STREAM_BASE_URL", "SPAMD_URL")
# What the stand-in programs print: their arguments and the settings the processes read.
SHOW = f'echo "$0 $*"; for name in {" ".join(PORT_SETTINGS)}; do eval "echo $name=\\${{$name-unset}}"; done\n'


def _environment(**settings) -> dict:
    environment = {k: v for k, v in os.environ.items() if k not in PORT_SETTINGS and not k.startswith("MAKE")}
    environment.update(settings)
    return environment


def _stand_in(path: Path, script: str = SHOW) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(0o755)


def _printed(output: str) -> dict:
    return dict(line.split("=", 1) for line in output.splitlines() if re.match(r"^[A-Z_]+=", line))


def _make(*args, **settings) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", *args], cwd=ROOT, env=_environment(**settings), capture_output=True, text=True
    )


def test_make_help_lists_every_target_with_one_line():
    targets = re.findall(r"^([a-z][a-z-]*):(?!=)", (ROOT / "Makefile").read_text(), flags=re.MULTILINE)
    result = _make("help")
    assert result.returncode == 0, result.stderr
    described = dict(re.findall(r"^  ([a-z-]+) +(\S.*)$", result.stdout, flags=re.MULTILINE))
    assert set(targets) <= set(described), result.stdout
    assert {"run", "test", "lint", "seed", "help"} <= set(described)
    assert "Procfile" not in described["run"] and "PORT" in described["run"]


def test_plain_make_shows_the_help():
    assert _make().stdout == _make("help").stdout


def test_make_run_dry_run_prepares_the_database_then_starts_the_procfile():
    result = _make("-n", "run")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    order = [
        next(i for i, line in enumerate(lines) if needle in line)
        for needle in ("manage.py ensure_database", "manage.py migrate", "manage.py seed_demo", "honcho start")
    ]
    assert order == sorted(order), result.stdout


def test_make_run_gives_the_processes_their_ports_and_the_urls_that_follow(tmp_path):
    venv = tmp_path / "venv"
    _stand_in(venv / "bin" / "python", "exit 0\n")  # manage.py: nothing to prepare here
    _stand_in(venv / "bin" / "honcho")
    (venv / ".installed").touch()

    default = _make("run", f"VENV={venv}")
    assert default.returncode == 0, default.stderr
    assert _printed(default.stdout) == {
        "PORT": "8000",
        "STREAM_PORT": "8001",
        "SPAMD_PORT": "7830",
        "PUBLIC_BASE_URL": "http://127.0.0.1:8000",
        "TRACKING_STREAM_BASE_URL": "unset",  # the Procfile's web line derives it from STREAM_PORT
        "SPAMD_URL": "spamd://127.0.0.1:7830",
    }
    assert "-f Procfile -e /dev/null" in default.stdout  # no .env: the processes see what manage.py saw

    moved = _make("run", f"VENV={venv}", PORT="8150", STREAM_PORT="8151", SPAMD_PORT="7850")
    assert _printed(moved.stdout)["PUBLIC_BASE_URL"] == "http://127.0.0.1:8150"
    assert _printed(moved.stdout)["SPAMD_URL"] == "spamd://127.0.0.1:7850"
    behind_a_proxy = _make("run", f"VENV={venv}", PUBLIC_BASE_URL="https://crm.example.kr")
    assert _printed(behind_a_proxy.stdout)["PUBLIC_BASE_URL"] == "https://crm.example.kr"


def _run_procfile_line(tmp_path: Path, process: str, settings: dict) -> tuple[str, dict]:
    """Run one Procfile line through the shell as honcho runs it (its PORT included), with stand-ins
    for gunicorn and spamd that print what they were given."""
    procfile = parse_procfile((ROOT / "Procfile").read_text())
    port = int(settings.get("PORT", 5000))  # honcho's base port: $PORT, else 5000
    started = {p.name: p for p in expand_processes(procfile.processes, env=settings, port=port)}
    line = started[f"{process}.1"]
    _stand_in(tmp_path / ".venv" / "bin" / "gunicorn")
    _stand_in(tmp_path / "bin" / "spamd")
    environment = _environment(**line.env)
    environment["PATH"] = f"{tmp_path / 'bin'}:{environment['PATH']}"
    result = subprocess.run(["sh", "-c", line.cmd], cwd=tmp_path, env=environment, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()[0], _printed(result.stdout)


def test_each_process_binds_its_own_port_setting_under_honcho(tmp_path):
    settings = {"PORT": "8150", "STREAM_PORT": "8151", "SPAMD_PORT": "7850"}
    web, web_env = _run_procfile_line(tmp_path, "web", settings)
    assert "--bind 127.0.0.1:8150 " in web
    assert web_env["TRACKING_STREAM_BASE_URL"] == "http://127.0.0.1:8151"  # the stream-token endpoint's URL
    stream, stream_env = _run_procfile_line(tmp_path, "stream", settings)
    assert stream_env["PORT"] == "8250"  # honcho's own numbering, which the stream ignores
    assert "salesone.asgi:application" in stream and "--bind 127.0.0.1:8151 " in stream
    spamd, _ = _run_procfile_line(tmp_path, "spamd", settings)
    assert "--listen=127.0.0.1:7850 " in spamd


def test_an_empty_stream_url_stays_empty_behind_a_reverse_proxy(tmp_path):
    """Behind a proxy that routes /api/tracking/stream/ itself, TRACKING_STREAM_BASE_URL is set empty."""
    _, web_env = _run_procfile_line(tmp_path, "web", {"PORT": "8150", "TRACKING_STREAM_BASE_URL": ""})
    assert web_env["TRACKING_STREAM_BASE_URL"] == ""
