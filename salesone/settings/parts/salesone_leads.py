"""SalesOne lead database: search and import limits, the bulk loader's parse workers."""

import math
import os

from salesone.settings.env import env_int

# An import by filter takes at most this many companies (the top of the search's ordering).
SALESONE_IMPORT_LIMIT = env_int("SALESONE_IMPORT_LIMIT", 10_000)
# Imports of more companies than this run as a Celery task (202 + a job to poll).
SALESONE_IMPORT_ASYNC_THRESHOLD = env_int("SALESONE_IMPORT_ASYNC_THRESHOLD", 1_000)
# Companies per committed batch of an import job (progress moves by this much).
SALESONE_IMPORT_BATCH_SIZE = env_int("SALESONE_IMPORT_BATCH_SIZE", 1_000)
# Above this many matches the search answers an estimated count (count_is_estimate: true). Counting
# exactly visits every match: 10,000 rows of a broad query cost 40-300 ms on a million companies.
SALESONE_SEARCH_EXACT_COUNT_LIMIT = env_int("SALESONE_SEARCH_EXACT_COUNT_LIMIT", 1_000)
# Page-number pagination stops at this offset (10 pages of 20); deeper pages follow next_cursor
# (keyset). An offset is walked row by row: page 25 of 전자 walked 18,000 index rows (97 ms on a
# million companies), page 500 sorted a 25,601-row tier; the cursor costs page 1's time at any depth.
SALESONE_SEARCH_MAX_OFFSET = env_int("SALESONE_SEARCH_MAX_OFFSET", 200)


def parse_workers_default(cpus_usable: int, most: int = 8) -> int:
    """One parse worker per CPU this process may run on, at most ``most``.

    The cap: each worker holds ~160 MB, and the loading process alone cuts the file and feeds the
    COPY, so past a few workers more only wait for it.
    """
    return max(1, min(cpus_usable, most))


def cgroup_cpu_quota(cgroup_root: str = "/sys/fs/cgroup", proc_cgroup: str = "/proc/self/cgroup") -> float | None:
    """The CPUs this process's cgroup quota allows (docker --cpus 1.5, Kubernetes limits: 1.5), or None
    without a quota. cgroup v2: ``cpu.max`` ("150000 100000"; "max 100000" is none); v1:
    ``cpu.cfs_quota_us`` / ``cpu.cfs_period_us`` (-1 is none). Read in the process's cgroup and in
    every directory above it up to the mount root, the smallest: an ancestor's limit applies too, and
    in a container without a cgroup namespace /proc/self/cgroup names the host's path (/docker/abc)
    while the mount already is the container's cgroup, its quota at the mount root. Anything
    unreadable or malformed is None: every manage.py command reads this at settings import."""
    try:
        with open(proc_cgroup) as handle:
            lines = handle.read().splitlines()
        quotas = []
        for line in lines:
            _, controllers, path = line.split(":", 2)
            parts = [part for part in path.split("/") if part]
            if controllers == "":  # v2: one hierarchy
                for directory in _this_and_above(cgroup_root, parts):
                    text = _read_text(os.path.join(directory, "cpu.max"))
                    if text and text.split()[0] != "max":
                        quota, period = text.split()
                        quotas.append(int(quota) / int(period))
            elif "cpu" in controllers.split(","):
                for mount in ("cpu", "cpu,cpuacct", "cpuacct,cpu"):
                    for directory in _this_and_above(os.path.join(cgroup_root, mount), parts):
                        quota, period = (
                            _read_text(os.path.join(directory, f"cpu.cfs_{name}_us")) for name in ("quota", "period")
                        )
                        if quota and period and int(quota) > 0:
                            quotas.append(int(quota) / int(period))
        return min(quotas) if quotas else None
    except (OSError, ValueError, ZeroDivisionError):
        return None


def _this_and_above(root: str, parts: list[str]) -> list[str]:
    """The directories from ``root/parts...`` up to ``root``."""
    return [os.path.join(root, *parts[:depth]) for depth in range(len(parts), -1, -1)]


def _read_text(path: str) -> str | None:
    try:
        with open(path) as handle:
            return handle.read().strip()
    except OSError:
        return None


def cpus_usable(affinity: int, quota: float | None) -> int:
    """The CPUs this process may use: those of its affinity (taskset, a container's cpuset), not the
    host's cores that os.cpu_count() counts (a container pinned to 2 CPUs of a 64-core host must not
    fork 64 workers), and no more than its cgroup's CPU quota rounded up (docker --cpus 2 or a
    Kubernetes CPU limit on a 64-core host: 2 workers, not 8 throttled ones)."""
    return affinity if quota is None else min(affinity, max(1, math.ceil(quota)))


_AFFINITY = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1  # macOS


# Processes that parse a CSV larger than one piece (2 MB) for the bulk loader (import_salesone_leads),
# forked by the loading process; 0: it parses alone. Default: one per CPU of the process's affinity
# or of its cgroup's CPU quota (rounded up), whichever is fewer, at most 8.
SALESONE_PARSE_WORKERS = env_int(
    "SALESONE_PARSE_WORKERS", parse_workers_default(cpus_usable(_AFFINITY, cgroup_cpu_quota()))
)
