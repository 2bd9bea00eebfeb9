"""The benchmark commands still run and print their tables (at a tiny size: figures are not checked,
speed belongs to the commands themselves)."""

import io
import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from apps.accounts.models import User
from apps.leads.models import Lead
from apps.workflows.models import Workflow
from bench.management.commands.bench_template_limits import ATTACKS


def run(*args) -> list[str]:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().splitlines()


def test_bench_template_limits_shows_every_attack_stopped_by_a_limit():
    lines = run("bench_template_limits", "--repeat", "1")
    assert lines[1].split()[:3] == ["attack", "compile", "ms"]
    rows = {line[:36].rstrip(): line for line in lines[2:-1]}
    assert set(rows) == set(ATTACKS)
    assert all(row.split("  ")[-1].strip().startswith("TEMPLATE_") for row in rows.values()), "\n".join(lines)
    assert lines[-1].startswith("worst render CPU time:")


def test_bench_file_encryption_prints_a_row_per_size_up_to_the_upload_limit(settings):
    settings.CLIENT_FILE_MAX_BYTES = 2 * 1024 * 1024
    lines = run("bench_file_encryption")
    assert lines[0].split()[:2] == ["file", "MB"]
    assert [line.split()[0] for line in lines[2:]] == ["1.0", "2.0"]


@pytest.mark.django_db
def test_bench_leads_prints_every_endpoint_and_leaves_nothing_behind():
    users_before = User.objects.count()
    lines = run("bench_leads", "--leads", "500", "--repeat", "1")
    assert lines[1].split() == ["endpoint", "size", "queries", "median", "ms", "p95", "ms"]
    assert set(lines[2]) == {"-"}
    endpoints = [line.split()[0] for line in lines[3:] if line.startswith("/api/")]
    assert len(endpoints) == 15, "\n".join(lines)
    assert "/api/opportunities/pipeline/" in endpoints
    assert lines[-1] == "(all benchmark data rolled back)"
    assert User.objects.count() == users_before
    assert not Lead.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_bench_workflows_in_process_figure_and_its_data_deleted():
    lines = run("bench_workflows", "--skip-stack", "--chain-executions", "2")
    assert lines[0] == "== 1. In-process engine overhead: 50-node transform chain, every node run stored"
    assert "executions: 2 (2 completed, 50 node runs stored each, last output n=50)" in lines[1]
    assert lines[2].lstrip().startswith("per node:")
    assert not Workflow.objects.exists()


@pytest.mark.django_db
def test_bench_api_refuses_the_test_database():
    with pytest.raises(CommandError, match="point DATABASE_URL at a development database"):
        run("bench_api", "--reps", "1")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("keep_alive", [False, True])
def test_load_client_drives_the_ceiling_view(live_server, keep_alive):
    """bench_tracking's client, in its own process, against the bench's plain 204 view and a pixel
    (a response with a body): one connection per request, or requests one after another on each."""
    host, port = live_server.url.removeprefix("http://").split(":")
    plan = {
        "host": host,
        "port": int(port),
        "concurrency": 2,
        "count": 6,
        "requests": [["GET", "/api/t/ceiling/", {}, ""], ["GET", "/api/t/o/not-a-token/", {}, ""]],
        "keep_alive": keep_alive,
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench.load_client"],
        input=json.dumps(plan),
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        check=True,
        timeout=60,
    )
    result = json.loads(done.stdout)
    assert result["statuses"] == {"204": 3, "400": 3}
    assert result["requests"] == 6 and result["errors"] == 0
    assert 0 < result["p50_ms"] <= result["p95_ms"] <= result["p99_ms"] <= result["max_ms"]
    assert result["cpu_seconds"] > 0


@pytest.mark.django_db(transaction=True)
def test_bench_sequences_sends_every_step_once_and_leaves_nothing_behind():
    lines = run("bench_sequences", "--leads", "300", "--mailboxes", "3")
    assert lines[2].split()[:4] == ["step", "day", "scheduled", "stopped"]
    steps = [line.split() for line in lines[3:6]]
    assert [row[0] for row in steps] == ["1", "2", "3"], "\n".join(lines)
    # step, day, scheduled, stopped, schedule s, floor s, ratio, pg cpu s, py cpu s, HOT %, heap MB, sent, …
    assert steps[0][2] == "300" and steps[0][11] == "300", "\n".join(lines)  # step 1: all scheduled and sent
    assert lines[-2].startswith("schedule s per step: median ") and "target <= 5 s for 100,000: " in lines[-2]
    scheduled = sum(int(row[2].replace(",", "")) for row in steps)
    assert lines[-1] == (
        f"fake SendGrid received {scheduled:,} messages ({scheduled:,} distinct result rows); "
        f"step rows written {scheduled:,}"
    )
    assert not User.objects.filter(email="bench-sequences@salesone.invalid").exists()
    assert not Lead.objects.exists()


@pytest.mark.django_db
def test_bench_lead_scoring_prints_each_rescoring_with_its_baseline_and_leaves_nothing_behind():
    lines = run("bench_lead_scoring", "--leads", "300", "--repeat", "2")
    header = next(line for line in lines if line.startswith("rescoring"))
    assert "baseline s" in header and "ratio" in header
    rows = [line for line in lines if line.split() and line.split()[0] in ("first", "a", "again,", "1,000")]
    assert len(rows) == 4, "\n".join(lines)
    assert "load average" in lines[-2] and lines[-1] == "(all benchmark data rolled back)"
    assert not Lead.objects.exists()
