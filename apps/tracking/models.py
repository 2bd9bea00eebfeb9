"""Tracking data: every e-mail event with its time, the inbound replies, and spent webhook tokens.

CampaignLeadResult (campaigns app) holds the summary a result shows — first human open, click, reply
and the status; the events here are the full history it is computed from (apps/tracking/services.py).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from common.encrypted_fields import EncryptedTextField
from common.models import BaseModel


class TrackingEvent(BaseModel):
    class Kind(models.TextChoices):
        DELIVERED = "delivered", _("Delivered")
        OPEN = "open", _("Opened")
        CLICK = "click", _("Clicked")
        REPLY = "reply", _("Replied")
        BOUNCE = "bounce", _("Bounced")
        DROPPED = "dropped", _("Dropped by the provider")
        DEFERRED = "deferred", _("Deferred (temporary failure)")
        COMPLAINT = "complaint", _("Spam complaint")
        UNSUBSCRIBE = "unsubscribe", _("Unsubscribed")

    class Source(models.TextChoices):
        PIXEL = "pixel", _("Open pixel")
        REDIRECT = "redirect", _("Click redirect")
        UNSUBSCRIBE_PAGE = "unsubscribe_page", _("Unsubscribe page / one-click")
        SENDGRID = "sendgrid", _("SendGrid webhook")
        MAILGUN = "mailgun", _("Mailgun webhook")
        INBOUND = "inbound", _("Inbound reply")

    class MachineReason(models.TextChoices):
        NONE = "", _("Human")
        APPLE_MPP = "apple_mpp", _("Apple Mail Privacy Protection")
        GOOGLE_PROXY = "google_image_proxy", _("Gmail image proxy")
        PROVIDER_FLAG = "provider_machine_open", _("Flagged by the provider (sg_machine_open)")
        HEAD_REQUEST = "head_request", _("HEAD request (link scanner)")
        SCANNER_AGENT = "scanner_user_agent", _("Known scanner or bot user agent")
        TOO_SOON = "too_soon_after_delivery", _("Within seconds of sending (link scanner)")
        AUTO_REPLY = "auto_reply", _("Automatic reply (out of office)")

    result = models.ForeignKey(
        "campaigns.CampaignLeadResult",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("result"),
    )
    # Copied from the result so campaign counts and the owner's list need no join.
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tracking_events",
        verbose_name=_("campaign"),
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, verbose_name=_("kind"))
    occurred_at = models.DateTimeField(db_index=True, verbose_name=_("occurred at"))
    email = models.EmailField(blank=True, default="", verbose_name=_("e-mail address"))
    source = models.CharField(max_length=20, choices=Source.choices, verbose_name=_("source"))
    user_agent = models.TextField(blank=True, default="", verbose_name=_("user agent"))
    ip = models.GenericIPAddressField(null=True, blank=True, verbose_name=_("IP address"))
    url = models.TextField(blank=True, default="", help_text=_("The clicked link"), verbose_name=_("URL"))
    is_machine = models.BooleanField(default=False, verbose_name=_("machine (not a person)"))
    machine_reason = models.CharField(
        max_length=30, choices=MachineReason.choices, blank=True, default="", verbose_name=_("machine reason")
    )
    detail = models.TextField(
        blank=True, default="", help_text=_("Bounce/drop reason, provider status"), verbose_name=_("detail")
    )
    # Makes recording idempotent: the provider's event id, or an id drawn when the request came in.
    event_key = models.CharField(max_length=255, unique=True, verbose_name=_("event key"))
    provider_message_id = models.CharField(
        max_length=255, blank=True, default="", verbose_name=_("provider message ID")
    )
    raw = models.JSONField(default=dict, blank=True, verbose_name=_("raw payload"))

    class Meta(BaseModel.Meta):
        verbose_name = _("tracking event")
        verbose_name_plural = _("tracking events")
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(fields=["campaign", "kind", "is_machine"]),
            models.Index(fields=["result", "kind"]),
            models.Index(fields=["email"]),
        ]

    def __str__(self) -> str:
        flag = " (machine)" if self.is_machine else ""
        return f"{self.kind}{flag} {self.email} {self.occurred_at:%Y-%m-%d %H:%M:%S}"


class InboundMessage(BaseModel):
    """Mail received through the inbound webhooks: replies to campaigns, and anything unmatched."""

    class Status(models.TextChoices):
        MATCHED = "matched", _("Matched to a campaign result")
        UNMATCHED = "unmatched", _("Unmatched (for review)")

    class MatchedBy(models.TextChoices):
        NONE = "", _("Not matched")
        REPLY_ADDRESS = "reply_address", _("reply+token address")
        MESSAGE_ID = "message_id", _("In-Reply-To / References")
        MANUAL = "manual", _("Matched by staff")

    provider = models.CharField(max_length=20, verbose_name=_("provider"))
    result = models.ForeignKey(
        "campaigns.CampaignLeadResult",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_messages",
        verbose_name=_("result"),
    )
    status = models.CharField(max_length=20, choices=Status.choices, db_index=True, verbose_name=_("status"))
    matched_by = models.CharField(
        max_length=20, choices=MatchedBy.choices, blank=True, default="", verbose_name=_("matched by")
    )
    is_auto_reply = models.BooleanField(default=False, verbose_name=_("automatic reply"))
    from_email = models.CharField(max_length=320, blank=True, default="", verbose_name=_("from"))
    to_email = models.TextField(blank=True, default="", verbose_name=_("to"))
    subject = models.CharField(max_length=998, blank=True, default="", verbose_name=_("subject"))
    message_id = models.CharField(max_length=998, blank=True, default="", verbose_name=_("Message-ID"))
    in_reply_to = models.TextField(blank=True, default="", verbose_name=_("In-Reply-To"))
    references = models.TextField(blank=True, default="", verbose_name=_("References"))
    # A reply's body is personal correspondence: encrypted at rest (issue 22, common/encrypted_fields.py).
    text = EncryptedTextField(blank=True, default="", verbose_name=_("text"))
    html = EncryptedTextField(blank=True, default="", verbose_name=_("HTML"))
    headers = models.JSONField(default=dict, blank=True, verbose_name=_("headers"))
    received_at = models.DateTimeField(verbose_name=_("received at"))

    class Meta(BaseModel.Meta):
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        ordering = ["-received_at"]
        constraints = [
            # A provider's retry of the same message is stored once.
            models.UniqueConstraint(
                fields=["provider", "message_id"],
                condition=~models.Q(message_id=""),
                name="tracking_inbound_once_per_message",
            )
        ]

    def __str__(self) -> str:
        return f"{self.from_email}: {self.subject} ({self.status})"


class WebhookToken(BaseModel):
    """A webhook signature already accepted: the same again is a replay (403).

    Mailgun: its signature token. SendGrid: the hash of the signed timestamp + body (never the signature
    bytes, which are malleable).
    """

    provider = models.CharField(max_length=20, verbose_name=_("provider"))
    token = models.CharField(max_length=255, verbose_name=_("token"))
    signed_at = models.DateTimeField(verbose_name=_("signed at"))

    class Meta(BaseModel.Meta):
        verbose_name = _("webhook token")
        verbose_name_plural = _("webhook tokens")
        constraints = [models.UniqueConstraint(fields=["provider", "token"], name="tracking_webhook_token_once")]

    def __str__(self) -> str:
        return f"{self.provider} {self.token[:12]}…"
