"""A real PostgreSQL outage for worker tests, on the test database only: every other session of it
is terminated and new ones are refused until ``database_up()`` — the shortest honest variant of
`pg_ctl stop -m immediate` on the shared server (manage.py chaos_send stops a server of
its own). The test's own connection stays: it plays the beat and reads the results."""

import psycopg
from django.db import connection


def _on_server(sql: str, *params) -> None:
    # From the maintenance database: a database cannot refuse connections while the session doing
    # it is connected to it.
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], dbname="postgres", autocommit=True
    ) as admin:
        admin.execute(sql, params)


def database_down() -> None:
    name = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        test_pid = cursor.fetchone()[0]
    _on_server(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    _on_server(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> %s", name, test_pid
    )


def database_up() -> None:
    _on_server(f'ALTER DATABASE "{connection.settings_dict["NAME"]}" ALLOW_CONNECTIONS true')
