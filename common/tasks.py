"""Tasks for operating the stack itself, and the one retry policy every task runs under."""

import logging
import random

import kombu.exceptions
import redis.exceptions
from celery import Task, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

logger = logging.getLogger(__name__)

# The database or the broker/cache is briefly unreachable (restart, failover, network blip): worth
# waiting out, never a reason to lose the task's work.
TRANSIENT_ERRORS = (
    OperationalError,
    InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    kombu.exceptions.OperationalError,
)


def transient_retry_delay(retries: int) -> float:
    """Exponential backoff with jitter: half to all of min(TASK_RETRY_MAX_SECONDS, base * 2**retries)."""
    ceiling = min(settings.TASK_RETRY_MAX_SECONDS, settings.TASK_RETRY_BASE_SECONDS * 2**retries)
    return random.uniform(ceiling / 2, ceiling)


class TransientRetryTask(Task):
    """The base class of every task (celery_app.py): a task that meets a database or broker
    connection error is retried with exponential backoff and jitter (TASK_RETRY_* settings) instead
    of failing. The connection is dropped first; the retry opens a new one (CONN_HEALTH_CHECKS
    checks a reused one). Tasks are idempotent (STYLE.md), so running one again is safe."""

    def __call__(self, *args, **kwargs):
        try:
            return super().__call__(*args, **kwargs)
        except TRANSIENT_ERRORS as exc:
            if self.request.called_directly or self.request.is_eager:
                raise  # run in-process (tests, the demo seed): the caller sees the error
            from django.db import connections

            for connection in connections.all(initialized_only=True):
                connection.close_if_unusable_or_obsolete()
            countdown = transient_retry_delay(self.request.retries)
            logger.warning(
                "task %s[%s] meets %s: retry %s in %.1f s",
                self.name,
                self.request.id,
                type(exc).__name__,
                self.request.retries + 1,
                countdown,
            )
            raise self.retry(exc=exc, countdown=countdown, max_retries=settings.TASK_RETRY_MAX_ATTEMPTS) from exc


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
