"""Tasks for operating the stack itself."""

from celery import shared_task


@shared_task
def ping(value: str = "pong") -> str:
    """Round trip through the broker and result backend: proves the worker wiring."""
    return value


@shared_task
def database_ping() -> int:
    """Round trip to PostgreSQL from a worker; returns the server process id of the connection used."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]
