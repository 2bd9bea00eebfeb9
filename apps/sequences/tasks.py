"""Celery tasks of sequences (queue "campaigns"): they call the services."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def tick_sequences() -> dict:
    """Stops, returns from out of office, winners and due steps of every active sequence."""
    return services.sequences_tick()
