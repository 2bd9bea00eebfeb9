"""Tasks for operating the stack itself."""

from celery import shared_task


@shared_task
def ping(value: str = "pong") -> str:
    """Round trip through the broker and result backend: proves the worker wiring."""
    return value
