"""Transactional mail (reminders, password reset) on its own queue, never behind a campaign."""

import logging

from celery import shared_task

from services.email import EmailMessage, TransientEmailError, send_email

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=5, autoretry_for=(TransientEmailError,), retry_backoff=True, retry_jitter=True)
def send_transactional_email(self, *, to: str, subject: str, html: str = "", text: str = "", category: str = "") -> str:
    try:
        result = send_email(EmailMessage(to=to, subject=subject, html=html, text=text, category=category))
    except TransientEmailError as exc:
        if exc.outcome_unknown:
            # The provider may have delivered it: a retry could e-mail the person twice. Say so, once.
            logger.error("transactional e-mail to %s (%s) not retried, its outcome is unknown: %s", to, category, exc)
            return ""
        raise  # an outage that certainly did not deliver: retried with backoff (autoretry_for)
    return result.message_id
