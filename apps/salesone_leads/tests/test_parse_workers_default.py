"""The bulk loader's default number of parse workers follows the CPUs the process may run on (its
affinity: taskset, a container's cpuset, and its cgroup's CPU quota: docker --cpus), not the host's
cores, and stops at 8 (issue 18's review)."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from salesone.settings.parts.salesone_leads import cgroup_cpu_quota, cpus_usable, parse_workers_default

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


def _cgroup_tree(tmp_path, files: dict[str, str], proc: str):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text + "\n")
    (tmp_path / "proc-self-cgroup").write_text(proc)
    return {"cgroup_root": str(tmp_path), "proc_cgroup": str(tmp_path / "proc-self-cgroup")}


def test_a_cgroup_v2_cpu_quota_without_a_cpuset_is_read(tmp_path):
    """docker --cpus 1.5 on a many-core host: every CPU in the affinity, the quota in cpu.max (here
    on the parent cgroup: the smallest limit on the way up applies)."""
    where = _cgroup_tree(
        tmp_path,
        {"cpu.max": "max 100000", "pod/cpu.max": "150000 100000", "pod/app/cpu.max": "max 100000"},
        "0::/pod/app\n",
    )
    assert cgroup_cpu_quota(**where) == 1.5


def test_a_cgroup_v1_cfs_quota_is_read_and_no_quota_is_none(tmp_path):
    where = _cgroup_tree(
        tmp_path,
        {"cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "200000", "cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000"},
        "12:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n",
    )
    assert cgroup_cpu_quota(**where) == 2.0
    unlimited = _cgroup_tree(tmp_path / "none", {"cpu.max": "max 100000"}, "0::/\n")
    assert cgroup_cpu_quota(**unlimited) is None
    assert cgroup_cpu_quota(proc_cgroup=str(tmp_path / "missing")) is None  # no cgroups (macOS)


def test_a_cgroup_v1_quota_inside_a_container_without_a_cgroup_namespace_is_read(tmp_path):
    """docker --cpus 2 on a cgroup v1 host: /proc/self/cgroup names the host's path (/docker/abc), but
    the container's mount already is that cgroup, its quota at the mount root."""
    where = _cgroup_tree(
        tmp_path,
        {"cpu,cpuacct/cpu.cfs_quota_us": "200000", "cpu,cpuacct/cpu.cfs_period_us": "100000"},
        "12:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n",
    )
    assert cgroup_cpu_quota(**where) == 2.0


@pytest.mark.parametrize(
    ("files", "proc"),
    [
        ({"cpu.max": "150000"}, "0::/\n"),
        ({"cpu.max": "lots 100000"}, "0::/\n"),
        ({"cpu.max": "150000 0"}, "0::/\n"),
        ({"cpu/cpu.cfs_quota_us": "2e5", "cpu/cpu.cfs_period_us": "100000"}, "4:cpu:/\n"),
        ({"cpu.max": "150000 100000"}, "0::/\nnot a cgroup line\n"),
    ],
    ids=["one-field", "not-a-number", "zero-period", "v1-not-an-integer", "line-without-colons"],
)
def test_a_malformed_cgroup_file_means_no_quota_not_an_error(tmp_path, files, proc):
    """Read at settings import: raising would break every manage.py command."""
    assert cgroup_cpu_quota(**_cgroup_tree(tmp_path, files, proc)) is None


def test_the_default_takes_the_fewer_of_the_affinity_and_the_quota_rounded_up():
    assert cpus_usable(affinity=64, quota=1.5) == 2
    assert cpus_usable(affinity=2, quota=6.0) == 2
    assert cpus_usable(affinity=16, quota=None) == 16
    assert cpus_usable(affinity=4, quota=0.2) == 1
    assert parse_workers_default(cpus_usable(affinity=64, quota=3.0)) == 3
