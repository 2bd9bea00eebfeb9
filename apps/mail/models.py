"""Outgoing mail that every feature shares: the development outbox and the suppression list."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from common.models import BaseModel


class OutboxMessage(BaseModel):
    """A rendered message kept by the outbox provider instead of being sent (development, demos)."""

    to_email = models.EmailField(verbose_name=_("to"))
    from_email = models.CharField(max_length=320, verbose_name=_("from"))
    reply_to = models.CharField(max_length=320, blank=True, default="", verbose_name=_("reply-to"))
    subject = models.CharField(max_length=998, verbose_name=_("subject"))
    html = models.TextField(blank=True, default="", verbose_name=_("HTML"))
    text = models.TextField(blank=True, default="", verbose_name=_("text"))
    headers = models.JSONField(default=dict, blank=True, verbose_name=_("headers"))
    attachments = models.JSONField(
        default=list, blank=True, help_text=_("name, content type and size of each"), verbose_name=_("attachments")
    )
    custom_args = models.JSONField(default=dict, blank=True, verbose_name=_("custom arguments"))
    category = models.CharField(max_length=50, blank=True, default="", db_index=True, verbose_name=_("category"))
    message_id = models.CharField(max_length=255, unique=True, verbose_name=_("Message-ID"))

    class Meta(BaseModel.Meta):
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")

    def __str__(self) -> str:
        return f"{self.subject} → {self.to_email}"


class SuppressedAddress(BaseModel):
    """An address no campaign may e-mail again: it unsubscribed, bounced hard or complained."""

    class Reason(models.TextChoices):
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        BOUNCED = "bounced", _("Bounced")
        COMPLAINED = "complained", _("Complained (spam report)")
        MANUAL = "manual", _("Added by staff")
        # A person erased on request (개인정보보호법): the row holds the address's hash, never the address.
        ERASED = "erased", _("Erased on request (hash only)")

    email = models.EmailField(
        unique=True,
        help_text=_("Stored lower-case; an erased person's row holds sha256:<hash of the address> instead"),
        verbose_name=_("e-mail address"),
    )
    reason = models.CharField(max_length=20, choices=Reason.choices, verbose_name=_("reason"))
    source = models.CharField(
        max_length=100, blank=True, default="", help_text=_("campaign result, webhook, admin"), verbose_name=_("source")
    )
    detail = models.TextField(blank=True, default="", verbose_name=_("detail"))

    class Meta(BaseModel.Meta):
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppressed addresses")

    def __str__(self) -> str:
        return f"{self.email} ({self.get_reason_display()})"

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)
