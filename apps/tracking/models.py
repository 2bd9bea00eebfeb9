"""Tracking data: every e-mail event with its time, the inbound replies, and spent webhook tokens.

CampaignLeadResult (campaigns app) holds the summary a result shows — first human open, click, reply
and the status; the events here are the full history it is computed from (apps/tracking/services.py).
"""

from django.db import models

from common.models import BaseModel


class TrackingEvent(BaseModel):
    class Kind(models.TextChoices):
        DELIVERED = "delivered", "Delivered"
        OPEN = "open", "Opened"
        CLICK = "click", "Clicked"
        REPLY = "reply", "Replied"
        BOUNCE = "bounce", "Bounced"
        DROPPED = "dropped", "Dropped by the provider"
        DEFERRED = "deferred", "Deferred (temporary failure)"
        COMPLAINT = "complaint", "Spam complaint"
        UNSUBSCRIBE = "unsubscribe", "Unsubscribed"

    class Source(models.TextChoices):
        PIXEL = "pixel", "Open pixel"
        REDIRECT = "redirect", "Click redirect"
        UNSUBSCRIBE_PAGE = "unsubscribe_page", "Unsubscribe page / one-click"
        SENDGRID = "sendgrid", "SendGrid webhook"
        MAILGUN = "mailgun", "Mailgun webhook"
        INBOUND = "inbound", "Inbound reply"

    class MachineReason(models.TextChoices):
        NONE = "", "Human"
        APPLE_MPP = "apple_mpp", "Apple Mail Privacy Protection"
        GOOGLE_PROXY = "google_image_proxy", "Gmail image proxy"
        PROVIDER_FLAG = "provider_machine_open", "Flagged by the provider (sg_machine_open)"
        HEAD_REQUEST = "head_request", "HEAD request (link scanner)"
        SCANNER_AGENT = "scanner_user_agent", "Known scanner or bot user agent"
        TOO_SOON = "too_soon_after_delivery", "Within seconds of sending (link scanner)"
        AUTO_REPLY = "auto_reply", "Automatic reply (out of office)"

    result = models.ForeignKey(
        "campaigns.CampaignLeadResult", on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    # Copied from the result so campaign counts and the owner's list need no join.
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, null=True, blank=True, related_name="tracking_events"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    occurred_at = models.DateTimeField(db_index=True)
    email = models.EmailField(blank=True, default="")
    source = models.CharField(max_length=20, choices=Source.choices)
    user_agent = models.TextField(blank=True, default="")
    ip = models.GenericIPAddressField(null=True, blank=True)
    url = models.TextField(blank=True, default="", help_text="The clicked link")
    is_machine = models.BooleanField(default=False)
    machine_reason = models.CharField(max_length=30, choices=MachineReason.choices, blank=True, default="")
    detail = models.TextField(blank=True, default="", help_text="Bounce/drop reason, provider status")
    # Makes recording idempotent: the provider's event id, or an id drawn when the request came in.
    event_key = models.CharField(max_length=255, unique=True)
    provider_message_id = models.CharField(max_length=255, blank=True, default="")
    raw = models.JSONField(default=dict, blank=True)

    class Meta(BaseModel.Meta):
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
        MATCHED = "matched", "Matched to a campaign result"
        UNMATCHED = "unmatched", "Unmatched (for review)"

    class MatchedBy(models.TextChoices):
        NONE = "", "Not matched"
        REPLY_ADDRESS = "reply_address", "reply+token address"
        MESSAGE_ID = "message_id", "In-Reply-To / References"
        MANUAL = "manual", "Matched by staff"

    provider = models.CharField(max_length=20)
    result = models.ForeignKey(
        "campaigns.CampaignLeadResult",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_messages",
    )
    status = models.CharField(max_length=20, choices=Status.choices, db_index=True)
    matched_by = models.CharField(max_length=20, choices=MatchedBy.choices, blank=True, default="")
    is_auto_reply = models.BooleanField(default=False)
    from_email = models.CharField(max_length=320, blank=True, default="")
    to_email = models.TextField(blank=True, default="")
    subject = models.CharField(max_length=998, blank=True, default="")
    message_id = models.CharField(max_length=998, blank=True, default="")
    in_reply_to = models.TextField(blank=True, default="")
    references = models.TextField(blank=True, default="")
    text = models.TextField(blank=True, default="")
    html = models.TextField(blank=True, default="")
    headers = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField()

    class Meta(BaseModel.Meta):
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

    provider = models.CharField(max_length=20)
    token = models.CharField(max_length=255)
    signed_at = models.DateTimeField()

    class Meta(BaseModel.Meta):
        constraints = [models.UniqueConstraint(fields=["provider", "token"], name="tracking_webhook_token_once")]

    def __str__(self) -> str:
        return f"{self.provider} {self.token[:12]}…"
