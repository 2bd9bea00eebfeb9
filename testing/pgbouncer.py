"""A real PgBouncer in transaction mode on a free loopback port, in front of the test database: server
connections handed out round-robin, so code that needs one PostgreSQL session across transactions breaks
behind it unless it uses the session-mode pool (DATABASE_SESSION_URL; docs/operations.md, PgBouncer)."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from django.db import connection

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def pgbouncer():
    """The PgBouncer's URL without a database: ``/pooled`` (transaction mode, four server connections),
    ``/session`` (session mode)."""
    database = connection.settings_dict
    host, port = database["HOST"] or "127.0.0.1", database["PORT"] or 5432
    target = f"host={host} port={port} dbname={database['NAME']} user={database['USER']}"
    workdir = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    workdir.chmod(0o777)  # pgbouncer drops root for "nobody"
    listen = _free_port()
    (workdir / "pgbouncer.ini").write_text(
        f"""[databases]
pooled = {target} pool_size=4 min_pool_size=4
session = {target} pool_mode=session connect_query='SET jit = off'
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen}
unix_socket_dir =
auth_type = any
pool_mode = transaction
server_round_robin = 1
ignore_startup_parameters = extra_float_digits,options
logfile = {workdir}/pgbouncer.log
pidfile = {workdir}/pgbouncer.pid
"""
    )
    as_nobody = ["-u", "nobody"] if os.getuid() == 0 else []  # pgbouncer refuses to run as root
    process = subprocess.Popen([PGBOUNCER, *as_nobody, str(workdir / "pgbouncer.ini")], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", listen)) == 0:
                break
        time.sleep(0.1)
    else:
        raise RuntimeError("pgbouncer did not start: " + (workdir / "pgbouncer.log").read_text())
    yield f"postgres://{database['USER']}@127.0.0.1:{listen}"
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(workdir, ignore_errors=True)


def open_four_server_connections(url: str) -> None:
    """Four transactions at once: PgBouncer opens four server connections, then hands them out in turn."""
    clients = [psycopg.connect(url) for _ in range(4)]
    for client in clients:
        client.execute("SELECT 1")  # each holds its server connection until it commits
    for client in clients:
        client.commit()  # the server connection goes back to the pool clean (a dirty one is closed)
        client.close()
