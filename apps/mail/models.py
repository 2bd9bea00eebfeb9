"""Outgoing mail that every feature shares: the development outbox and the suppression list."""

from django.conf import settings
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


class Mailbox(BaseModel):
    """A sender identity (a real mailbox a user sends from), with rolling caps that every campaign
    and sequence using it shares (apps/mail/mailboxes.py keeps the count).

    A new mailbox warms up: its daily cap starts at ``warmup_start`` and grows by ``warmup_step``
    each day since ``warmup_started_on`` until it reaches ``daily_cap`` (mailbox providers distrust
    a new address that suddenly sends hundreds a day)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mailboxes", verbose_name=_("user")
    )
    email = models.EmailField(verbose_name=_("e-mail address"))
    display_name = models.CharField(max_length=100, blank=True, default="", verbose_name=_("display name"))
    daily_cap = models.PositiveIntegerField(
        help_text=_("E-mails per rolling 24 hours, once warmed up"), verbose_name=_("daily cap")
    )
    hourly_cap = models.PositiveIntegerField(help_text=_("E-mails per rolling hour"), verbose_name=_("hourly cap"))
    warmup_start = models.PositiveIntegerField(
        help_text=_("Daily cap on the first day of the warm-up; 0: no warm-up"), verbose_name=_("warm-up start")
    )
    warmup_step = models.PositiveIntegerField(
        help_text=_("Added to the daily cap each day of the warm-up"), verbose_name=_("warm-up step")
    )
    warmup_started_on = models.DateField(verbose_name=_("warm-up started on"))
    is_active = models.BooleanField(default=True, verbose_name=_("active"))

    class Meta(BaseModel.Meta):
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        constraints = [models.UniqueConstraint(fields=["user", "email"], name="mail_mailbox_unique_per_user")]

    def __str__(self) -> str:
        return f"{self.display_name} <{self.email}>" if self.display_name else self.email


class MailboxSendCount(models.Model):
    """E-mails a mailbox sent (or had reserved) in one minute: the rolling hour is the sum of the last
    60 rows, the rolling day of the last 1,440."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="+", verbose_name=_("mailbox"))
    minute = models.DateTimeField(verbose_name=_("minute"))
    count = models.IntegerField(default=0, verbose_name=_("count"))

    class Meta:
        verbose_name = _("mailbox send count")
        verbose_name_plural = _("mailbox send counts")
        constraints = [models.UniqueConstraint(fields=["mailbox", "minute"], name="mail_mailbox_count_per_minute")]

    def __str__(self) -> str:
        return f"{self.mailbox_id} {self.minute:%Y-%m-%d %H:%M} {self.count}"
