"""manage.py bench_salesone_index_build: the indexes a large load rebuilds, one after another against
all at once (issue 18).

PostgreSQL 15 builds a GIN index in one process, and the bulk loader builds its indexes one after
another inside its one transaction. This measures, on the companies already in the development
database (load them first: ``bench_salesone_load`` leaves its last load there), what building the
same indexes at the same time would give:
  * one after another on one connection, as the loader does (its session settings: 512 MB of
    maintenance_work_mem, two parallel maintenance workers for a B-tree);
  * all at once, a thread and a connection per index, each with its own maintenance_work_mem (the
    GIN index the loader's 512 MB, each B-tree 64 MB: with 64 MB for all, the GIN build alone took
    twice as long) and no parallel workers (the threads use the cores).
Each run drops the indexes and builds them both ways (dropped and built again in between); the
indexes are there again at the end, even after an error or Ctrl-C. A SIGKILL (or the machine going
down) mid-run cannot be caught: their statements are saved first in var/salesone/ (PENDING_FILE),
and the next run builds whichever of them is missing before anything else (or run the file with
psql: each is CREATE INDEX IF NOT EXISTS). Never run it against production.

The loader itself cannot build on other connections: its rows and its dropped indexes are not
committed, so no other session sees them (apps/salesone_leads/SEARCH.md, issue 18).
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from pathlib import Path

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from apps.salesone_leads.loading import KEYWORD_LINK_TABLE, LEAD_TABLE, lookup_indexes, search_indexes

LOADER_MEMORY_MB = 512  # loading._tune_session
BTREE_MEMORY_MB = 64  # each B-tree built at once with the others
# The indexes a run may drop, saved before it drops any and removed once they are all there again.
PENDING_FILE = Path(settings.BASE_DIR) / "var" / "salesone" / "bench-index-build-pending.sql"


class Command(BaseCommand):
    help = "Build the indexes the bulk loader rebuilds one after another, then all at once (one connection each)."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=3, help="runs to take the median of")

    def handle(self, *args, runs, **options):
        self.restore_pending()
        with connection.cursor() as cursor:
            indexes = search_indexes(cursor) + lookup_indexes(cursor)
            cursor.execute(f"SELECT count(*) FROM {LEAD_TABLE}")
            companies = cursor.fetchone()[0]
            cursor.execute(f"SELECT count(*) FROM {KEYWORD_LINK_TABLE}")
            links = cursor.fetchone()[0]
        if not companies:
            raise CommandError("no companies to index: run bench_salesone_load first")
        memory = {
            name: LOADER_MEMORY_MB if " USING gin " in definition else BTREE_MEMORY_MB for name, definition in indexes
        }
        self.stdout.write(
            f"bench_salesone_index_build: {len(indexes)} indexes on {companies:,} companies and {links:,} keyword "
            f"links, {runs} runs, {os.cpu_count()} cores, load average {load_average()} at the start"
        )
        self.save_pending(indexes)
        self.stdout.write(
            f"It drops and rebuilds these indexes of {connection.settings_dict['NAME']}. Killed mid-run (SIGKILL), "
            f"it leaves the company search without them: run this command again (it first builds what is missing) "
            f"or psql -d {connection.settings_dict['NAME']} -f {PENDING_FILE}"
        )
        measured = []
        try:
            for run in range(1, runs + 1):
                serial = self.build(indexes, at_once=False, memory_mb={name: LOADER_MEMORY_MB for name, _ in indexes})
                parallel = self.build(indexes, at_once=True, memory_mb=memory)
                measured.append((serial, parallel))
                self.stdout.write(
                    f"\nrun {run}: one after another {serial['seconds']:.1f} s; all at once ({len(indexes)} "
                    f"connections, {LOADER_MEMORY_MB} MB for GIN, {BTREE_MEMORY_MB} MB a B-tree) "
                    f"{parallel['seconds']:.1f} s = "
                    f"{parallel['seconds'] / serial['seconds']:.2f}x; load average {load_average()}"
                )
                self.stdout.write(f"  {'index':<62} {'alone s':>8} {'at once s':>10}")
                for name, _ in indexes:
                    self.stdout.write(f"  {name:<62} {serial['each'][name]:>8.1f} {parallel['each'][name]:>10.1f}")
        finally:
            self.restore(indexes)
        PENDING_FILE.unlink()
        serial = statistics.median(run[0]["seconds"] for run in measured)
        parallel = statistics.median(run[1]["seconds"] for run in measured)
        self.stdout.write(
            f"\nmedian of {len(measured)} runs: one after another {serial:.1f} s, all at once {parallel:.1f} s "
            f"({parallel / serial:.2f}x); load average {load_average()} at the end"
        )

    def build(self, indexes: list[tuple[str, str]], *, at_once: bool, memory_mb: dict[str, int]) -> dict:
        self.drop(indexes)
        each: dict[str, float] = {}
        errors: list[BaseException] = []

        def build_one(conn, name: str, definition: str) -> None:
            started = time.perf_counter()
            try:
                conn.execute(definition)
            except BaseException as exc:  # reported after the join
                errors.append(exc)
            each[name] = time.perf_counter() - started

        started = time.perf_counter()
        if at_once:
            connections: list[psycopg.Connection] = []
            try:  # opened inside: one connection failing closes those opened before it
                for name, _ in indexes:
                    connections.append(self.connect(memory_mb[name], parallel_workers=0))
                threads = [
                    threading.Thread(target=build_one, args=(conn, name, definition))
                    for conn, (name, definition) in zip(connections, indexes, strict=True)
                ]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
            finally:
                for conn in connections:
                    conn.close()
        else:
            with self.connect(LOADER_MEMORY_MB, parallel_workers=2) as conn:
                for name, definition in indexes:
                    build_one(conn, name, definition)
        seconds = time.perf_counter() - started
        if errors:
            raise errors[0]
        return {"seconds": seconds, "each": each}

    @staticmethod
    def connect(memory_mb: int, *, parallel_workers: int) -> psycopg.Connection:
        params = {
            key: value
            for key, value in connection.get_connection_params().items()
            if key not in ("cursor_factory", "context", "prepare_threshold")
        }
        conn = psycopg.connect(**params, autocommit=True)
        try:
            conn.execute(f"SET maintenance_work_mem = '{int(memory_mb)}MB'")
            conn.execute(f"SET max_parallel_maintenance_workers = {int(parallel_workers)}")
        except BaseException:
            conn.close()
            raise
        return conn

    @staticmethod
    def save_pending(indexes: list[tuple[str, str]]) -> None:
        PENDING_FILE.parent.mkdir(parents=True, exist_ok=True)
        statements = [
            definition.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1) + ";\n" for _, definition in indexes
        ]
        PENDING_FILE.write_text("".join(statements))

    def restore_pending(self) -> None:
        """Build the indexes an earlier run was killed without restoring (its PENDING_FILE is still there)."""
        if not PENDING_FILE.exists():
            return
        statements = [line for line in PENDING_FILE.read_text().splitlines() if line.strip()]
        self.stdout.write(
            f"An earlier run did not finish ({PENDING_FILE} is there): building any of its {len(statements)} "
            f"indexes that is missing, one after another"
        )
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        PENDING_FILE.unlink()

    @staticmethod
    def drop(indexes: list[tuple[str, str]]) -> None:
        with connection.cursor() as cursor:
            for name, _ in indexes:
                cursor.execute(f'DROP INDEX IF EXISTS "{name}"')

    def restore(self, indexes: list[tuple[str, str]]) -> None:
        """Build again, one after another, any index an interrupted run left missing."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename IN (%s, %s)", [LEAD_TABLE, KEYWORD_LINK_TABLE]
            )
            present = {name for (name,) in cursor.fetchall()}
            for name, definition in indexes:
                if name not in present:
                    cursor.execute(definition)


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())
