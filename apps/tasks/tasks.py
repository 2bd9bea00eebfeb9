"""Beat jobs and deliveries of the tasks app; the rules are in services.py."""

from celery import shared_task

from .services import task_occurrences_create_due, task_reminder_deliver, task_reminders_send


@shared_task
def create_due_task_occurrences() -> int:
    return len(task_occurrences_create_due())


@shared_task
def send_task_reminders() -> int:
    return len(task_reminders_send())


@shared_task(ignore_result=True)
def deliver_task_reminder(reminder_id: str) -> None:
    """E-mail and Slack of one claimed reminder (queue "transactional": never behind a campaign)."""
    task_reminder_deliver(reminder_id=reminder_id)
