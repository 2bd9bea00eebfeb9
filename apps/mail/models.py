"""Outgoing mail that every feature shares: the development outbox and the suppression list."""

from django.db import models

from common.models import BaseModel


class OutboxMessage(BaseModel):
    """A rendered message kept by the outbox provider instead of being sent (development, demos)."""

    to_email = models.EmailField()
    from_email = models.CharField(max_length=320)
    reply_to = models.CharField(max_length=320, blank=True, default="")
    subject = models.CharField(max_length=998)
    html = models.TextField(blank=True, default="")
    text = models.TextField(blank=True, default="")
    headers = models.JSONField(default=dict, blank=True)
    attachments = models.JSONField(default=list, blank=True, help_text="name, content type and size of each")
    custom_args = models.JSONField(default=dict, blank=True)
    category = models.CharField(max_length=50, blank=True, default="", db_index=True)
    message_id = models.CharField(max_length=255, unique=True)

    def __str__(self) -> str:
        return f"{self.subject} → {self.to_email}"


class SuppressedAddress(BaseModel):
    """An address no campaign may e-mail again: it unsubscribed, bounced hard or complained."""

    class Reason(models.TextChoices):
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
        BOUNCED = "bounced", "Bounced"
        COMPLAINED = "complained", "Complained (spam report)"
        MANUAL = "manual", "Added by staff"

    email = models.EmailField(unique=True, help_text="Stored lower-case")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    source = models.CharField(max_length=100, blank=True, default="", help_text="campaign result, webhook, admin")
    detail = models.TextField(blank=True, default="")

    class Meta(BaseModel.Meta):
        verbose_name_plural = "suppressed addresses"

    def __str__(self) -> str:
        return f"{self.email} ({self.reason})"

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)
