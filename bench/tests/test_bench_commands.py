"""The benchmark commands still run and print their tables (at a tiny size: figures are not checked,
speed belongs to the commands themselves)."""

import io
import json
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from apps.accounts.models import User
from apps.campaigns.models import CampaignLeadResult
from apps.leads.models import Lead
from apps.salesone_leads.loading import lookup_indexes, search_indexes
from apps.salesone_leads.models import SalesOneLead
from apps.salesone_leads.tests.factories import SalesOneLeadFactory
from apps.workflows.models import Workflow
from bench.management.commands.bench_salesone_index_build import PENDING_FILE
from bench.management.commands.bench_salesone_index_build import Command as IndexBuildBench
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
    assert lines[2].lstrip().startswith("per node, stored (wall, mostly PostgreSQL):")
    assert lines[4].lstrip().startswith("engine alone") and "target ≤ 0.1 ms: " in lines[4] and "load " in lines[4]
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


@pytest.mark.django_db(transaction=True)
def test_bench_sequences_statements_show_where_each_steps_scheduling_goes():
    lines = run("bench_sequences", "--leads", "100", "--mailboxes", "1", "--statements")
    heading = ["statement", "calls", "wall", "s", "pg", "cpu", "s"]
    headers = [n for n, line in enumerate(lines) if line.split() == heading]
    assert len(headers) == 3, "\n".join(lines)
    every = set()
    for header in headers:
        assert lines[header - 1].split()[0] in {"1", "2", "3"}  # under its step's row
        names = []
        for line in lines[header + 1 :]:
            if not line.startswith("     "):
                break
            names.append(line.split()[0])
        # The scheduler's statements by their names in services.py, and the commits (deferred FK checks).
        assert {"_WRITE_SQL", "_DUE_SQL", "COMMIT"} <= set(names), "\n".join(lines)
        every.update(names)
    # The cancel of the leads the bounces and answers stopped (steps 2 and 3) by its own name, not its
    # template's (the three share their opening).
    assert "_CANCEL_GIVEN_STOPPED_SQL" in every and "_CANCEL_STOPPED_SQL" not in every, "\n".join(lines)


@pytest.mark.django_db
def test_bench_lead_scoring_prints_each_rescoring_with_its_baseline_and_leaves_nothing_behind():
    lines = run("bench_lead_scoring", "--leads", "300", "--repeat", "2")
    header = next(line for line in lines if line.startswith("rescoring"))
    assert "baseline s" in header and "ratio" in header
    rows = [line for line in lines if line.split() and line.split()[0] in ("first", "a", "again,", "1,000")]
    assert len(rows) == 4, "\n".join(lines)
    assert "load average" in lines[-2] and lines[-1] == "(all benchmark data rolled back)"
    assert not Lead.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_bench_salesone_load_prints_the_split_and_the_index_bench_leaves_every_index(tmp_path):
    lines = run("bench_salesone_load", "--rows", "3000", "--runs", "1", "--data-dir", str(tmp_path))
    split = next(line for line in lines if line.startswith("  split (medians): "))
    assert "parse (waiting for parsed pieces)" in split and "index and constraint rebuild" in split
    assert any(line.startswith("  CPU (medians): ") and "load average per run" in line for line in lines)
    target = next(line for line in lines if line.startswith("median of 1 runs"))
    assert "target 30 s for 1,000,000 rows (0.1 s for 3,000)" in target
    # The run's split is measured, not just labelled: parse wait, COPY and rebuild each took time, within
    # their steps' wall time (printed to the millisecond: allow the rounding of three figures).
    run_split = next(line for line in lines if line.startswith("  split: "))
    parse, copy, rebuild = (
        float(re.search(re.escape(label) + r" (\d+\.\d+) s", run_split).group(1))
        for label in ("parse (waiting for parsed pieces)", "COPY (writing the pieces)", "index and constraint rebuild")
    )
    assert parse > 0 and copy > 0 and rebuild > 0, run_split
    walls = {}
    for line in lines[lines.index(next(line for line in lines if line.startswith("run 1: "))) :]:
        if line == run_split:
            break
        if match := re.match(r"  ([a-z_]+) +(\d+\.\d+) ", line):
            walls[match.group(1)] = float(match.group(2))
    rounding = 0.0015
    assert parse + copy <= walls["parse_and_copy"] + rounding, (run_split, walls)
    assert rebuild <= walls["rebuild_indexes_and_constraints"] + rounding, (run_split, walls)
    assert parse + copy + rebuild <= sum(walls.values()) + rounding, (run_split, walls)
    # Each rebuilt index's own build time and the foreign keys' re-adding, in the run and in the medians:
    # together they are the rebuild (an index left out or timed twice, the GIN above all, would not add up
    # to it; the gap is the loop between timings and the printed figures' rounding).
    index_walls = [float(line.split()[-1]) for line in lines if line.startswith("    index salesone_")]
    constraint_walls = [float(line.split()[-1]) for line in lines if line.startswith("    foreign-key constraints")]
    with connection.cursor() as cursor:
        rebuilt = len(search_indexes(cursor) + lookup_indexes(cursor))
    assert len(index_walls) == 2 * rebuilt and rebuilt > 5 and len(constraint_walls) == 2, lines
    assert all(wall > 0 for wall in index_walls[:rebuilt] + constraint_walls[:1]), lines
    parts = sum(index_walls[:rebuilt]) + constraint_walls[0]
    assert abs(walls["rebuild_indexes_and_constraints"] - parts) < 0.02, (index_walls, constraint_walls, walls)
    with connection.cursor() as cursor:
        before = search_indexes(cursor) + lookup_indexes(cursor)
    lines = run("bench_salesone_index_build", "--runs", "1")
    assert any("Killed mid-run (SIGKILL)" in line and str(PENDING_FILE) in line for line in lines)
    assert lines[-1].startswith("median of 1 runs: one after another")
    assert not PENDING_FILE.exists()
    assert sum(1 for line in lines if line.startswith("  salesone_")) == len(before)
    with connection.cursor() as cursor:
        assert search_indexes(cursor) + lookup_indexes(cursor) == before


def test_bench_salesone_load_parse_only_prints_the_parse_cpu_a_row_without_a_database(tmp_path):
    lines = run("bench_salesone_load", "--rows", "3000", "--runs", "2", "--parse-only", "--data-dir", str(tmp_path))
    assert sum(1 for line in lines if line.startswith("run ") and " 3,000 rows, " in line) == 2
    median = lines[-1]
    assert median.startswith("median of 2 runs: parse ") and "load average" in median
    assert float(median.split("parse ")[1].split(" CPU µs a row")[0]) > 0


@pytest.mark.django_db(transaction=True)
def test_index_bench_rerun_builds_the_indexes_a_killed_run_left_missing(tmp_path):
    run("bench_salesone_load", "--rows", "3000", "--runs", "1", "--data-dir", str(tmp_path))
    with connection.cursor() as cursor:
        before = search_indexes(cursor) + lookup_indexes(cursor)
        # What a SIGKILL between a drop and the build leaves: the saved statements, two indexes gone.
        IndexBuildBench.save_pending(before)
        for name, _ in before[:2]:
            cursor.execute(f'DROP INDEX "{name}"')
    lines = run("bench_salesone_index_build", "--runs", "1")
    assert lines[0].startswith("An earlier run did not finish") and f"its {len(before)} indexes" in lines[0]
    assert sum(1 for line in lines if line.startswith("  salesone_")) == len(before)
    with connection.cursor() as cursor:
        assert search_indexes(cursor) + lookup_indexes(cursor) == before
    assert not PENDING_FILE.exists()


@pytest.mark.django_db
def test_bench_salesone_search_prints_the_medians_of_its_runs_and_fails_on_a_sequential_scan(tmp_path):
    """On 300 rows the planner reads the table sequentially: the bench prints its medians and target,
    then fails loudly."""
    out = io.StringIO()
    with pytest.raises(CommandError, match="read the whole company table"):
        call_command(
            "bench_salesone_search", "--rows", "300", "--runs", "2", "--repeat", "1", "--repeat-unindexed", "0",
            "--skip-bulk-create", "--only", "ordering", "--data-dir", str(tmp_path), stdout=out,
        )  # fmt: skip
    lines = out.getvalue().splitlines()
    text = "\n".join(lines)
    assert [line.split(" at ")[0] for line in lines if line.startswith("run ")] == ["run 1/2", "run 2/2"], text
    assert "load average" in next(line for line in lines if line.startswith("run 1/2"))
    assert any(line.startswith("medians of 2 runs") for line in lines), text
    header = next(line for line in lines if line.startswith("query class"))
    assert "CPU p50" in header, header
    assert len([line for line in lines if line.startswith("ordering ") and "SELECT" not in line]) == 6, text
    assert any(line.startswith("target: every class p95 <= 20 ms (median of 2 runs)") for line in lines), text
    assert "FAILED: fallback plans" in lines and "sequential scan of salesone_leads_salesonelead" in text


@pytest.mark.django_db(transaction=True)
def test_bench_campaign_send_profile_prints_the_chunk_tasks_top_functions():
    lines = run("bench_campaign_send", "--leads", "2000", "--profile", "2000")
    summary = next(line for line in lines if line.startswith("profile: "))
    assert summary.startswith("profile: 1,000 e-mails in 1 chunks in this process"), summary
    # Per e-mail means per e-mail the profiled chunks sent: the warm-up chunk's own count apart.
    warm_up = int(re.search(r"warm-up chunk that sent ([\d,]+);", summary).group(1).replace(",", ""))
    sent = CampaignLeadResult.objects.filter(campaign__name="bench profile", status="sent").count()
    assert warm_up + 1_000 == sent, summary
    assert "µs of the sending thread's CPU per e-mail" in summary
    assert any("campaign_send_chunk" in line for line in lines), "\n".join(lines)


@pytest.mark.django_db
def test_bench_salesone_search_never_truncates_companies_it_did_not_load(tmp_path):
    """A table holding companies without this bench's record of loading them (a developer's own data,
    another checkout's load) is refused, not truncated; --reload is the way to replace it."""
    SalesOneLeadFactory.create_batch(3)
    with pytest.raises(CommandError, match="--reload truncates the table"):
        call_command("bench_salesone_search", "--rows", "300", "--data-dir", str(tmp_path), stdout=io.StringIO())
    assert SalesOneLead.objects.count() == 3
