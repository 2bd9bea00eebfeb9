"""Celery tasks of sequences (queue "campaigns"): they call the services."""

from __future__ import annotations

from celery import shared_task

from . import reports, services


@shared_task(ignore_result=True)
def tick_sequences() -> dict:
    """Stops, returns from out of office, winners and due steps of every active sequence."""
    return services.sequences_tick()


@shared_task(ignore_result=True)
def send_sequence_weekly_reports() -> int:
    """Mondays: last week's report of every sequence that ran in it, once per sequence and week."""
    return reports.sequences_send_weekly_reports()
