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
def _report_errors_to_sentry(**kwargs):
    from salesone.error_reporting import sentry_init_from_settings

    sentry_init_from_settings()  # only with SENTRY_DSN


@signals.worker_init.connect
def _reuse_connections_safely(**kwargs):
    # Only in worker processes: in tests, eager tasks run inside the test's transaction.
    signals.task_prerun.connect(_close_old_connections, weak=False)


# -- logs and metrics: the context of the code that queued a task follows it (common/log_context.py) --


@signals.setup_logging.connect
def _use_django_logging(loglevel=None, **kwargs):
    """Workers log through Django's LOGGING (JSON lines with request, user, task and campaign ids, URL
    secrets masked) instead of Celery's own handler; ``--loglevel`` still sets the level."""
    import logging

    if loglevel:
        logging.getLogger().setLevel(loglevel)


@signals.before_task_publish.connect
def _stamp_task_headers(headers=None, **kwargs):
    from common.log_context import task_publish_headers
    from common.metrics import task_publish_stamp

    if headers is not None:
        task_publish_headers(headers)
        task_publish_stamp(headers)


_running: dict[str, tuple[list, float]] = {}


@signals.task_prerun.connect
def _bind_task_context(task_id=None, task=None, args=None, kwargs=None, **extra):
    from common.log_context import task_context_bind
    from common.metrics import task_started

    _running[task_id] = (task_context_bind(task, task_id, args, kwargs), task_started(task))


@signals.task_postrun.connect
def _release_task_context(task_id=None, task=None, state=None, **extra):
    from common.log_context import task_context_reset
    from common.metrics import task_finished

    tokens, started = _running.pop(task_id, (None, None))
    if started is not None:
        task_finished(task, started, state)
    if tokens is not None:
        task_context_reset(tokens)


@signals.worker_init.connect
def _serve_worker_metrics(**kwargs):
    """METRICS_WORKER_PORT set: this worker host answers Prometheus itself (common/metrics.py)."""
    from django.conf import settings

    if not settings.METRICS_WORKER_PORT:
        return
    import threading
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from common.metrics import worker_metrics_app

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, format, *args):  # the scrape is not worth a log line
            pass

    server = make_server("0.0.0.0", settings.METRICS_WORKER_PORT, worker_metrics_app, handler_class=QuietHandler)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
