"""A real ``import_salesone_leads`` process SIGKILLed midway leaves the company table as it was, and
running the same file again ends with exactly the table an uninterrupted load gives."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from apps.salesone_leads.generator import KSIC_CSV, CompanyGenerator, write_csv
from apps.salesone_leads.loading import (
    KEYWORD_LINK_TABLE,
    KEYWORD_TABLE,
    LEAD_TABLE,
    SEARCH_VECTOR_TRIGGER,
    lookup_indexes,
    salesone_leads_load,
    search_indexes,
)
from apps.salesone_leads.services import industries_load

ROOT = Path(__file__).resolve().parents[3]
ROWS = 30_000


def table_fingerprint() -> tuple[int, str, int, str]:
    """(companies, md5 of every company's stored fields and search terms, keyword links, md5 of the
    links by corporation number and keyword): ids aside, what the search reads."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT count(*), md5(string_agg(
                    (to_jsonb(l) - 'id' - 'search_vector')::text || l.search_vector::text, '|'
                    ORDER BY l.corporation_number))
                FROM {LEAD_TABLE} l"""
        )
        companies, companies_md5 = cursor.fetchone()
        cursor.execute(
            f"""SELECT count(*), md5(string_agg(l.corporation_number || ':' || k.name, '|'
                    ORDER BY l.corporation_number, k.name))
                FROM {KEYWORD_LINK_TABLE} link JOIN {LEAD_TABLE} l ON l.id = link.salesonelead_id
                JOIN {KEYWORD_TABLE} k ON k.id = link.keyword_id"""
        )
        links, links_md5 = cursor.fetchone()
    return companies, companies_md5, links, links_md5


def rebuilt_indexes() -> list[tuple[str, str]]:
    """The indexes a large load drops and builds again."""
    with connection.cursor() as cursor:
        return search_indexes(cursor) + lookup_indexes(cursor)


def load_process(path: Path, tmp_path: Path) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "salesone.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
    }
    command = [sys.executable, "manage.py", "import_salesone_leads", str(path), "--no-progress", "--rebuild-indexes"]
    return subprocess.Popen(
        [*command, "-o", str(tmp_path / "rejects.csv")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


# Statements of the loader's backend: after the COPY (the upsert, the plain insert into an empty
# table, keywords, index rebuild: the company table is being written), or the staging COPY itself.
WRITING = r"^\s*(WITH written|INSERT INTO salesone_leads_salesonelead|CREATE)"
STAGING = r"^\s*COPY salesone_staging"


def wait_for_upsert(process: subprocess.Popen, statement: str = WRITING) -> None:
    """Until the loader's backend runs ``statement`` (a regular expression)."""
    deadline = time.monotonic() + 120
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            assert process.poll() is None, f"the load ended before it could be killed: {process.stdout.read()}"
            cursor.execute(
                """SELECT query FROM pg_stat_activity WHERE datname = current_database()
                   AND pid <> pg_backend_pid() AND state = 'active'
                   AND query ~ %s""",
                [statement],
            )
            if cursor.fetchone():
                return
            time.sleep(0.05)
    pytest.fail("the load never reached the upsert")


def wait_for_backend_gone() -> None:
    """A killed client's backend ends its statement, finds the socket closed and rolls back."""
    deadline = time.monotonic() + 120
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.1)
    pytest.fail("the killed load's backend never ended")


@pytest.mark.django_db(transaction=True)
def test_killed_load_leaves_the_table_as_it_was_and_a_rerun_equals_an_uninterrupted_load(tmp_path):
    industries_load(path=KSIC_CSV)
    path = tmp_path / "companies.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        write_csv(CompanyGenerator(seed=3), ROWS, handle)
    # Companies already stored, a part of which the file updates: a crash must keep them as they were.
    earlier = tmp_path / "earlier.csv"
    with open(earlier, "w", encoding="utf-8", newline="") as handle:
        write_csv(CompanyGenerator(seed=3), 2_000, handle)
    salesone_leads_load(path=earlier, rejects_path=tmp_path / "earlier.rejects.csv")
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {LEAD_TABLE} SET employee = employee + 1")
    before = table_fingerprint()
    indexes_before = rebuilt_indexes()

    process = load_process(path, tmp_path)
    wait_for_upsert(process)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    wait_for_backend_gone()

    assert table_fingerprint() == before
    assert rebuilt_indexes() == indexes_before  # dropped in the transaction: back

    rerun = load_process(path, tmp_path)
    output, _ = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, output
    after_rerun = table_fingerprint()
    assert after_rerun[0] == ROWS

    # The same two loads, uninterrupted.
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {LEAD_TABLE} CASCADE")
    salesone_leads_load(path=earlier, rejects_path=tmp_path / "earlier.rejects.csv")
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {LEAD_TABLE} SET employee = employee + 1")
    salesone_leads_load(path=path, rejects_path=tmp_path / "again.rejects.csv")
    assert table_fingerprint() == after_rerun
    assert rebuilt_indexes() == indexes_before


def processes_reading(path: Path) -> list[int]:
    """Processes whose command line names ``path``: the loader and its parse workers."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and str(path).encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("statement", [STAGING, WRITING], ids=["while-parsing", "while-inserting"])
def test_a_bulk_load_into_an_empty_table_killed_leaves_it_empty_and_a_rerun_loads_it_all(tmp_path, statement):
    """The bulk initial load (parse workers, plain insert, trigger disabled, indexes dropped): killed
    while its workers parse or while it writes the table, nothing of it stays, no worker outlives
    it, and the rerun gives the table an uninterrupted load gives."""
    industries_load(path=KSIC_CSV)
    path = tmp_path / "companies.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        write_csv(CompanyGenerator(seed=5), ROWS, handle)
    empty = table_fingerprint()
    indexes_before = rebuilt_indexes()

    process = load_process(path, tmp_path)
    wait_for_upsert(process, statement)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    wait_for_backend_gone()
    assert table_fingerprint() == empty
    assert rebuilt_indexes() == indexes_before
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgenabled FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname = %s",
            [LEAD_TABLE, SEARCH_VECTOR_TRIGGER],
        )
        assert cursor.fetchone()[0] == "O"  # enabled again: the DISABLE was rolled back
    deadline = time.monotonic() + 30
    while processes_reading(path) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_reading(path) == []  # the workers died with the loader

    rerun = load_process(path, tmp_path)
    output, _ = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, output
    after_rerun = table_fingerprint()
    assert after_rerun[0] == ROWS

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {LEAD_TABLE} CASCADE")
    result = salesone_leads_load(path=path, rejects_path=tmp_path / "again.rejects.csv", rebuild_indexes=True)
    assert result.into_empty_table
    assert table_fingerprint() == after_rerun
    assert rebuilt_indexes() == indexes_before
