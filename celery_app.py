"""Celery application, configured from Django settings (the CELERY_* names)."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesone.settings.development")

# Every task retries database and broker connection errors with backoff (common/tasks.py).
app = Celery("salesone", task_cls="common.tasks:TransientRetryTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _close_old_connections(**kwargs):
    """Before each task in a worker: drop a connection that is broken (PostgreSQL restarted) or older
    than CONN_MAX_AGE, as Django does before each request; otherwise reuse it (CELERY_DB_REUSE_MAX)."""
    from django.db import close_old_connections

    close_old_connections()


@signals.worker_init.connect
def _reuse_connections_safely(**kwargs):
    # Only in worker processes: in tests, eager tasks run inside the test's transaction.
    signals.task_prerun.connect(_close_old_connections, weak=False)
