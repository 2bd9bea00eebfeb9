"""Prometheus metrics: what each process counts, what a scrape reads from Redis and PostgreSQL, and the
guard of ``/metrics``.

Counted in the processes (prometheus-client; one file per process under PROMETHEUS_MULTIPROC_DIR when
it is set, so gunicorn's and Celery's pool processes add up): requests per route, method and status
with their latency (tracking routes, ``METRICS_SKIP_PATH_PREFIXES``, are not counted: they are the
hot path, and the tracking queue's length says how busy they are), Celery tasks per queue with their
run time and their wait in the queue, e-mails per provider and outcome, the workflow hook guard threads
given up on (apps/workflows/engine/in_request.py).

Read at scrape time (gauges of the moment, never stale in a dead process's file): each Celery queue's
depth and the tracking queue's length (Redis), and what the collectors of METRICS_COLLECTORS add
(dotted paths: an app's collector, since this layer imports no app; the tracking app adds webhook lag).
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache

import redis
from django.conf import settings
from django.http import HttpResponse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from .middleware import api_error

logger = logging.getLogger(__name__)

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
_TASK_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800)

HTTP_REQUESTS = Counter(
    "salesone_http_requests_total",
    "HTTP requests answered, by route, method and status.",
    ["route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "salesone_http_request_duration_seconds",
    "Time from the request entering Django to its response, by route and method.",
    ["route", "method"],
    buckets=_LATENCY_BUCKETS,
)
CELERY_TASKS = Counter(
    "salesone_celery_tasks_total", "Celery tasks run, by queue, task and final state.", ["queue", "task", "state"]
)
CELERY_TASK_RUNTIME = Histogram(
    "salesone_celery_task_duration_seconds", "Run time of a Celery task, by queue.", ["queue"], buckets=_TASK_BUCKETS
)
CELERY_TASK_WAIT = Histogram(
    "salesone_celery_task_wait_seconds",
    "Time a task waited in its queue (from publish, or from its ETA, to its start), by queue.",
    ["queue"],
    buckets=_TASK_BUCKETS,
)
EMAILS = Counter(
    "salesone_emails_total",
    "Campaign e-mails settled, by provider and outcome (sent, failed, unknown).",
    ["provider", "outcome"],
)
WORKFLOW_GUARD_THREADS_ABANDONED = Counter(
    "salesone_workflow_guard_threads_abandoned_total",
    "Workflow hook guard threads given up on: a pure plugin node ran past WORKFLOW_HOOK_GUARD_HARD_LIMIT_SECONDS.",
)


def emails_record(*, provider: str, sent: int, failed: int, unknown: int) -> None:
    """Count one chunk's settled rows (apps/campaigns/tasks.py)."""
    provider = provider or "none"
    for outcome, count in (("sent", sent), ("failed", failed), ("unknown", unknown)):
        if count:
            EMAILS.labels(provider, outcome).inc(count)


class MetricsMiddleware:
    """Counts and times every request but those under METRICS_SKIP_PATH_PREFIXES (one ``startswith``
    for them, nothing else). The route label is the URL pattern, never the path: ids stay out."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.skipped = tuple(settings.METRICS_SKIP_PATH_PREFIXES)

    def __call__(self, request):
        if request.path_info.startswith(self.skipped):
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = (match.route or match.view_name or "-") if match else "unmatched"
        HTTP_LATENCY.labels(route, request.method).observe(time.perf_counter() - started)
        HTTP_REQUESTS.labels(route, request.method, str(response.status_code)).inc()
        return response


# -- Celery (connected in celery_app.py) --------------------------------------------------------------


def _queue_of(task) -> str:
    delivery = getattr(task.request, "delivery_info", None) or {}
    return delivery.get("routing_key") or delivery.get("exchange") or "-"


def task_publish_stamp(headers: dict) -> None:
    """``before_task_publish``: when the task was queued, for its wait time."""
    headers.setdefault("published_at", time.time())


def task_started(task) -> float:
    """``task_prerun``: observe the wait in the queue; returns the start time for ``task_finished``."""
    now = time.time()
    published = getattr(task.request, "published_at", None)
    if isinstance(published, int | float) and not task.request.called_directly:
        eta = getattr(task.request, "eta", None)
        ready_at = published
        if eta:
            with contextlib.suppress(ValueError):
                ready_at = max(published, datetime.fromisoformat(str(eta)).timestamp())
        CELERY_TASK_WAIT.labels(_queue_of(task)).observe(max(0.0, now - ready_at))
    return time.perf_counter()


def task_finished(task, started: float, state: str) -> None:
    """``task_postrun``: the run time and the final state (SUCCESS, FAILURE, RETRY...)."""
    queue = _queue_of(task)
    CELERY_TASK_RUNTIME.labels(queue).observe(time.perf_counter() - started)
    CELERY_TASKS.labels(queue, task.name, state or "-").inc()


# -- scrape-time gauges -------------------------------------------------------------------------------

# kombu's Redis transport keeps a queue's messages of each priority step in a list of its own:
# "<queue>", "<queue>\x06\x163", "<queue>\x06\x166", "<queue>\x06\x169" (priority_steps 0, 3, 6, 9).
_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


@lru_cache(maxsize=8)
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)


class RedisQueuesCollector:
    """Celery queue depth (messages waiting in each declared queue) and the tracking event queue's length."""

    def collect(self) -> Iterable[GaugeMetricFamily]:
        depth = GaugeMetricFamily(
            "salesone_celery_queue_depth", "Messages waiting in a Celery queue.", labels=["queue"]
        )
        up = GaugeMetricFamily(
            "salesone_redis_up", "1 when the Redis of this role answered the scrape.", labels=["role"]
        )
        try:
            pipe = _redis(settings.CELERY_BROKER_URL).pipeline(transaction=False)
            for queue in settings.CELERY_TASK_QUEUES_ALL:
                for suffix in _PRIORITY_SUFFIXES:
                    pipe.llen(queue + suffix)
            lengths = pipe.execute()
            step = len(_PRIORITY_SUFFIXES)
            for index, queue in enumerate(settings.CELERY_TASK_QUEUES_ALL):
                depth.add_metric([queue], sum(lengths[index * step : (index + 1) * step]))
            up.add_metric(["broker"], 1)
        except redis.RedisError:
            up.add_metric(["broker"], 0)
        yield depth
        tracking = GaugeMetricFamily(
            "salesone_tracking_queue_length",
            "Tracking events waiting in Redis for the batch writer, and those set aside as dead.",
            labels=["list"],
        )
        try:
            client = _redis(settings.TRACKING_REDIS_URL)
            key = settings.TRACKING_QUEUE_KEY
            tracking.add_metric(["queued"], client.llen(key))
            tracking.add_metric(["dead"], client.llen(key + ":dead"))
            up.add_metric(["tracking"], 1)
        except redis.RedisError:
            up.add_metric(["tracking"], 0)
        yield tracking
        yield up


def _scrape_collectors() -> list:
    return [RedisQueuesCollector(), *(import_string(path)() for path in settings.METRICS_COLLECTORS)]


def metrics_text() -> bytes:
    """The exposition text of a scrape: the processes' counters (all of this host's processes in
    multiprocess mode), then the gauges read now."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counted = CollectorRegistry()
        MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    now = CollectorRegistry(auto_describe=False)
    for collector in _scrape_collectors():
        now.register(collector)
    return generate_latest(counted) + generate_latest(now)


# -- the guard ----------------------------------------------------------------------------------------


def metrics_access_allowed(*, remote_addr: str, authorization: str) -> bool:
    """A scrape is answered when it brings METRICS_TOKEN (``Authorization: Bearer <token>``), or, when
    it brings no token, comes from METRICS_ALLOWED_NETWORKS. A wrong token is refused from anywhere."""
    token = settings.METRICS_TOKEN
    if authorization:
        scheme, _space, given = authorization.partition(" ")
        # Bytes: compare_digest refuses str with non-ASCII characters (a TypeError, a 500).
        return (
            bool(token)
            and scheme.lower() == "bearer"
            and hmac.compare_digest(given.strip().encode("utf-8", "surrogateescape"), token.encode())
        )
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network, strict=False) for network in settings.METRICS_ALLOWED_NETWORKS)


def metrics_view(request):
    """``GET /metrics``: Prometheus' text format, behind the guard (403 in the API's error shape)."""
    allowed = metrics_access_allowed(
        remote_addr=request.META.get("REMOTE_ADDR", ""), authorization=request.headers.get("Authorization", "")
    )
    if not allowed:
        detail = _("Metrics are served to METRICS_ALLOWED_NETWORKS, or with the METRICS_TOKEN bearer token.")
        return api_error(403, detail, "permission_denied")
    if request.method not in ("GET", "HEAD"):
        return api_error(405, _("Method not allowed."), "method_not_allowed")
    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE_LATEST)


def worker_metrics_app(environ, start_response):
    """The same scrape, guarded the same way, as a WSGI app: a Celery worker host serves it on
    METRICS_WORKER_PORT (celery_app.py) where no web process shares its PROMETHEUS_MULTIPROC_DIR."""
    allowed = metrics_access_allowed(
        remote_addr=environ.get("REMOTE_ADDR", ""), authorization=environ.get("HTTP_AUTHORIZATION", "")
    )
    if not allowed:
        start_response("403 Forbidden", [("Content-Type", "text/plain")])
        return [b"forbidden\n"]
    body = metrics_text()
    start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST), ("Content-Length", str(len(body)))])
    return [body]
