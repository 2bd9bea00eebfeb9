"""Tracking tasks (queue "tracking"): write queued events in batches, forget old webhook tokens."""

from datetime import UTC, datetime, timedelta

from celery import shared_task
from django.conf import settings

from .services import tracking_queue_drain, webhook_tokens_prune


@shared_task(ignore_result=True)
def ingest_tracking_events() -> dict:
    """Drain the Redis event list into the database (the beat runs it every few seconds)."""
    stats = tracking_queue_drain()
    return {"batches": stats.batches, "events": stats.events, "dead": stats.dead}


@shared_task(ignore_result=True)
def prune_webhook_tokens() -> int:
    window = timedelta(seconds=settings.TRACKING_WEBHOOK_MAX_AGE_SECONDS * 2)
    return webhook_tokens_prune(older_than=datetime.now(tz=UTC) - window)
