"""SalesOne lead database: search and import limits, the bulk loader's parse workers."""

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


def _cpus_usable() -> int:
    # The CPUs of this process's affinity (taskset, a container's cpuset), not the host's cores that
    # os.cpu_count() counts: a container pinned to 2 CPUs of a 64-core host must not fork 64 workers.
    # A CPU quota without a cpuset (docker --cpus) is not seen here; the cap bounds that case.
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # macOS has no sched_getaffinity


# Processes that parse a CSV larger than one piece (2 MB) for the bulk loader (import_salesone_leads),
# forked by the loading process; 0: it parses alone. Default: one per CPU of the process's affinity,
# at most 8.
SALESONE_PARSE_WORKERS = env_int("SALESONE_PARSE_WORKERS", parse_workers_default(_cpus_usable()))
