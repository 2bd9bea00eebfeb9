"""Transactional mail (reminders, password reset, reports) on its own queue, never behind a campaign."""

import base64
import logging

from celery import shared_task

from services.email import Attachment, EmailMessage, TransientEmailError, send_email

logger = logging.getLogger(__name__)


def _inline_parts(inline_images: list[dict] | None) -> list[Attachment]:
    """Inline images as the task receives them (JSON: the bytes in base64) → attachments with a Content-ID."""
    return [
        Attachment(
            filename=image["filename"],
            content=base64.b64decode(image["content_base64"]),
            mimetype=image.get("mimetype", "image/png"),
            content_id=image["content_id"],
        )
        for image in inline_images or ()
    ]


@shared_task(bind=True, max_retries=5, autoretry_for=(TransientEmailError,), retry_backoff=True, retry_jitter=True)
def send_transactional_email(
    self,
    *,
    to: str,
    subject: str,
    html: str = "",
    text: str = "",
    category: str = "",
    inline_images: list[dict] | None = None,
) -> str:
    message = EmailMessage(
        to=to, subject=subject, html=html, text=text, category=category, attachments=_inline_parts(inline_images)
    )
    try:
        result = send_email(message)
    except TransientEmailError as exc:
        if exc.outcome_unknown:
            # The provider may have delivered it: a retry could e-mail the person twice. Say so, once.
            logger.error("transactional e-mail to %s (%s) not retried, its outcome is unknown: %s", to, category, exc)
            return ""
        raise  # an outage that certainly did not deliver: retried with backoff (autoretry_for)
    return result.message_id
