"""Beat jobs of the tasks app; the rules are in services.py."""

from celery import shared_task

from .services import task_occurrences_create_due, task_reminders_send


@shared_task
def create_due_task_occurrences() -> int:
    return len(task_occurrences_create_due())


@shared_task
def send_task_reminders() -> int:
    return len(task_reminders_send())
