"""Transactional mail (reminders, password reset) on its own queue, never behind a campaign."""

from celery import shared_task

from services.email import EmailMessage, TransientEmailError, send_email


@shared_task(bind=True, max_retries=5, autoretry_for=(TransientEmailError,), retry_backoff=True, retry_jitter=True)
def send_transactional_email(self, *, to: str, subject: str, html: str = "", text: str = "", category: str = "") -> str:
    result = send_email(EmailMessage(to=to, subject=subject, html=html, text=text, category=category))
    return result.message_id
