"""The development outbox provider: stores each rendered message in the database instead of sending it.

It is an e-mail provider like SendGrid and Mailgun, but it writes our own OutboxMessage rows, so it
lives with that model here (services/ imports no app). settings.EMAIL_PROVIDER_CLASSES names it.
"""

import uuid

from django.conf import settings

from services.email.base import EmailMessage, EmailProvider, SendResult

from .models import OutboxMessage


def _row(message: EmailMessage) -> OutboxMessage:
    message_id = message.message_id or f"<{uuid.uuid4()}@outbox.salesone>"
    return OutboxMessage(
        to_email=message.to,
        from_email=message.from_email or settings.DEFAULT_FROM_EMAIL,
        reply_to=message.reply_to,
        subject=message.subject,
        html=message.html,
        text=message.text,
        headers=message.headers,
        attachments=[
            {"filename": a.filename, "mimetype": a.mimetype, "size": len(a.content)}
            | ({"content_id": a.content_id} if a.content_id else {})
            for a in message.attachments
        ],
        custom_args=message.custom_args,
        category=message.category,
        message_id=message_id,
    )


class OutboxProvider(EmailProvider):
    name = "outbox"

    def send(self, message: EmailMessage) -> SendResult:
        return self.send_batch([message])[0]

    def send_batch(self, messages: list[EmailMessage]) -> list[SendResult]:
        rows = OutboxMessage.objects.bulk_create([_row(m) for m in messages])
        return [SendResult(provider=self.name, message_id=row.message_id) for row in rows]
