"""The bulk loader's default number of parse workers follows the CPUs the process may run on (its
affinity: taskset, a container's cpuset), not the host's cores, and stops at 8 (issue 18's review)."""

import os
import subprocess
import sys

from django.conf import settings

from salesone.settings.parts.salesone_leads import parse_workers_default

PRINT_WORKERS = "from django.conf import settings; print(settings.SALESONE_PARSE_WORKERS)"


def _workers_of_a_process_on(cpus: set[int], **extra_env: str) -> int:
    """SALESONE_PARSE_WORKERS as a new process pinned to ``cpus`` reads it from the settings."""
    env = {key: value for key, value in os.environ.items() if key != "SALESONE_PARSE_WORKERS"}
    env.update(extra_env, DJANGO_SETTINGS_MODULE="salesone.settings.test")
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + PRINT_WORKERS],
        cwd=settings.BASE_DIR,
        env=env,
        preexec_fn=lambda: os.sched_setaffinity(0, cpus),
        capture_output=True,
        text=True,
        check=True,
    )
    return int(result.stdout.strip().splitlines()[-1])


def test_a_process_pinned_to_one_cpu_parses_with_one_worker():
    assert _workers_of_a_process_on({min(os.sched_getaffinity(0))}) == 1


def test_a_process_gets_one_worker_per_cpu_of_its_affinity():
    cpus = os.sched_getaffinity(0)
    assert _workers_of_a_process_on(cpus) == min(len(cpus), 8)


def test_the_setting_overrides_the_default_and_zero_parses_in_the_loading_process():
    assert _workers_of_a_process_on({min(os.sched_getaffinity(0))}, SALESONE_PARSE_WORKERS="3") == 3
    assert _workers_of_a_process_on({min(os.sched_getaffinity(0))}, SALESONE_PARSE_WORKERS="0") == 0


def test_many_cpus_are_capped_at_eight_workers():
    """A 64-core host would otherwise fork 64 workers of ~160 MB each."""
    assert parse_workers_default(64) == 8
    assert parse_workers_default(8) == 8
    assert parse_workers_default(2) == 2
    assert parse_workers_default(0) == 1
