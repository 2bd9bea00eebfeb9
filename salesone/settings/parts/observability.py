"""Logs, metrics and error reports: the Prometheus endpoint's guard and collectors, Sentry (docs/operations.md)."""

from ..env import env_float, env_int, env_list, env_str

# /metrics answers a scrape bringing this bearer token from anywhere; empty: no token is accepted.
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
# ...or a scrape without a token from these networks (CIDR, comma-separated).
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS", "127.0.0.1/32,::1/128")
# prometheus-client's multiprocess mode: every gunicorn and Celery pool process of a host writes its
# counters here and a scrape adds them up. Read by prometheus-client itself from the environment, before
# any metric exists: set it in the environment of every process (an empty directory at each start).
PROMETHEUS_MULTIPROC_DIR = env_str("PROMETHEUS_MULTIPROC_DIR", "")
# A Celery worker host serves its own /metrics on this port (0: none; the web's /metrics covers
# workers sharing its PROMETHEUS_MULTIPROC_DIR).
METRICS_WORKER_PORT = env_int("METRICS_WORKER_PORT", 0)
# Not counted per request: the open pixel and click redirect are the hot path (their volume shows in
# the tracking queue's length).
METRICS_SKIP_PATH_PREFIXES = ["/api/t/"]
# Collectors read at each scrape, besides the Redis queues (common/metrics.py).
METRICS_COLLECTORS = ["apps.tracking.metrics.WebhookLagCollector"]

# Sentry: errors of the web and worker processes are reported when a DSN is set (nothing is sent without).
SENTRY_DSN = env_str("SENTRY_DSN", "")
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", "production")
SENTRY_TRACES_SAMPLE_RATE = env_float("SENTRY_TRACES_SAMPLE_RATE", 0.0)
