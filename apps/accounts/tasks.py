"""Account e-mails, queued by the request and written by the worker (transactional queue)."""

from celery import shared_task

from .services import password_reset_send, registration_email_send


@shared_task
def send_password_reset(*, email: str) -> None:
    password_reset_send(email=email)


@shared_task
def send_registration_email(*, user_id: str) -> None:
    registration_email_send(user_id=user_id)
