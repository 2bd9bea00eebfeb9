"""Webhook lag for Prometheus (common/metrics.py reads it at each scrape, METRICS_COLLECTORS): how long
after the provider's event time its webhook event was stored, over the events of the last
WEBHOOK_LAG_WINDOW (by event time, which the occurred_at index serves)."""

from __future__ import annotations

from datetime import timedelta

from django.db import DatabaseError, connection
from prometheus_client.core import GaugeMetricFamily

from .models import TrackingEvent

WEBHOOK_LAG_WINDOW = timedelta(minutes=15)
_WEBHOOK_SOURCES = [TrackingEvent.Source.SENDGRID, TrackingEvent.Source.MAILGUN]

_LAG_SQL = f"""
SELECT source,
       count(*),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM created_at - occurred_at)),
       max(extract(epoch FROM created_at - occurred_at))
FROM {TrackingEvent._meta.db_table}
WHERE occurred_at > now() - %s AND source = ANY(%s)
GROUP BY source
"""


class WebhookLagCollector:
    def collect(self):
        lag = GaugeMetricFamily(
            "salesone_webhook_lag_seconds",
            "Seconds from a provider's event to its webhook event stored, over the last 15 minutes' events.",
            labels=["provider", "quantile"],
        )
        events = GaugeMetricFamily(
            "salesone_webhook_events_recent", "Webhook events stored over the last 15 minutes.", labels=["provider"]
        )
        try:
            with connection.cursor() as cursor:
                cursor.execute(_LAG_SQL, [WEBHOOK_LAG_WINDOW, [str(source) for source in _WEBHOOK_SOURCES]])
                rows = {source: (count, median, worst) for source, count, median, worst in cursor.fetchall()}
        except DatabaseError:
            return  # the database is down: the scrape still answers the Redis gauges
        for source in _WEBHOOK_SOURCES:
            count, median, worst = rows.get(str(source), (0, None, None))
            events.add_metric([str(source)], count)
            if count:
                lag.add_metric([str(source), "0.5"], float(median))
                lag.add_metric([str(source), "1"], float(worst))
        yield lag
        yield events
