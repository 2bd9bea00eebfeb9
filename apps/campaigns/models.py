"""Campaigns: a template sent to the leads of some lead lists, one result row per (campaign, lead)."""

from django.conf import settings
from django.db import models

from common.models import BaseModel


class CampaignTemplate(BaseModel):
    name = models.CharField(max_length=200)
    title = models.CharField(max_length=500, help_text="Jinja2 template of the subject")
    body = models.TextField(help_text="Jinja2 template of the HTML body (autoescaped)")
    # Empty: the text/plain part is made from the rendered HTML (common/email_content.py).
    text_body = models.TextField(
        blank=True, default="", help_text="Jinja2 template of the text/plain part; empty: made from the HTML body"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="campaign_templates")

    def __str__(self) -> str:
        return self.name


class Campaign(BaseModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        IN_PROGRESS = "in_progress", "In progress"
        PAUSED = "paused", "Paused"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"

    name = models.CharField(max_length=200)
    leadlists = models.ManyToManyField("leads.LeadList", related_name="campaigns", blank=True)
    template = models.ForeignKey(CampaignTemplate, on_delete=models.PROTECT, related_name="campaigns")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="campaigns")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # 정보통신망법 제50조: advertising mail carries "(광고)", the sender and an opt-out.
    is_advertising = models.BooleanField(default=True)
    # Tracking is a choice with a price in deliverability (README, Deliverability).
    track_opens = models.BooleanField(
        default=True,
        help_text="Open pixel: opens are counted, but an image beside a short text costs ~1.4 spam points.",
    )
    track_clicks = models.BooleanField(
        default=True,
        help_text="Links go through our redirect: clicks are counted, but filters distrust rewritten links.",
    )
    plain_text = models.BooleanField(
        default=False,
        help_text="Plain mode: text only, no pixel, links untouched (as one writes to one person); "
        "the best deliverability, but neither opens nor clicks are tracked.",
    )
    # Optional daily sending window, in Asia/Seoul.
    send_window_start = models.TimeField(null=True, blank=True)
    send_window_end = models.TimeField(null=True, blank=True)
    failure_reason = models.TextField(blank=True, default="")
    # The sender the advertising footer names; empty: the user's name and e-mail address.
    sender_name = models.CharField(max_length=100, blank=True, default="")
    sender_contact = models.CharField(max_length=200, blank=True, default="", help_text="Phone or e-mail")
    # Last time a chunk was dispatched or settled: a campaign quiet for long is re-dispatched by the
    # reconcile job (a chunk message lost with a crashed worker).
    last_progress_at = models.DateTimeField(null=True, blank=True)
    # Set when the recipient writer has written every recipient row (it runs after the start, as a
    # task, and the chunks send while it writes): a campaign completes only once this is set.
    recipients_written_at = models.DateTimeField(null=True, blank=True)
    # When the outcome resolver last found nothing left to ask the provider about (apps/campaigns/
    # resolution.py): it looks at the campaign again only after the campaign makes progress.
    unknown_checked_at = models.DateTimeField(null=True, blank=True)

    # Transitions (DESIGN.md, States).
    STARTABLE = frozenset({Status.DRAFT, Status.SCHEDULED, Status.PAUSED, Status.FAILED})
    PAUSABLE = frozenset({Status.IN_PROGRESS, Status.SCHEDULED})
    # Template and lead lists are fixed once recipient rows exist.
    EDITABLE = frozenset({Status.DRAFT, Status.SCHEDULED})

    def __str__(self) -> str:
        return self.name


class CampaignLeadResult(BaseModel):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Claimed by a worker"
        SENT = "sent", "Sent"
        OPENED = "opened", "Opened"
        CLICKED = "clicked", "Clicked"
        REPLIED = "replied", "Replied"
        BOUNCED = "bounced", "Bounced"
        FAILED = "failed", "Failed"
        # The provider may have the message (a crash or a lost answer after the request left us):
        # never re-sent automatically; resolved by asking the provider, or re-sent by the owner.
        UNKNOWN = "unknown", "Outcome unknown"

    # Every row is written twice while sending (claimed, settled), so it carries only the indexes
    # sending and tracking need: not the base model's created_at index.
    created_at = models.DateTimeField(auto_now_add=True)
    # The unique (campaign, lead) index serves every lookup by campaign.
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="results", db_index=False)
    lead = models.ForeignKey(
        "leads.Lead", on_delete=models.SET_NULL, null=True, blank=True, related_name="campaign_results"
    )
    email = models.EmailField(blank=True, default="", help_text="The address, captured when the row was written")
    title = models.CharField(max_length=998, blank=True, default="")
    data = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    sent = models.BooleanField(default=False)
    error_message = models.TextField(blank=True, default="")
    provider = models.CharField(max_length=20, blank=True, default="")
    provider_message_id = models.CharField(max_length=255, blank=True, default="")
    message_id = models.CharField(max_length=255, blank=True, default="", help_text="Our Message-ID header")
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    complained_at = models.DateTimeField(null=True, blank=True)
    open_count = models.PositiveIntegerField(default=0)
    click_count = models.PositiveIntegerField(default=0)
    # Rows are split into chunks of CAMPAIGN_CHUNK_SIZE when the campaign starts; one task sends one
    # chunk. Null for rows that were never sendable (no address, suppressed).
    chunk = models.IntegerField(null=True, blank=True)
    # A failure the user may retry (provider refusal, unknown outcome); not a missing address.
    retryable = models.BooleanField(default=False)

    class Resolution(models.TextChoices):
        FOUND = "found", "Found in the provider's log: sent"
        RESENT = "resent", "Not in the provider's log: sent once more"
        HELD = "held", "Not in the provider's log: held for a person"

    # How an unknown outcome was resolved by asking the provider (apps/campaigns/resolution.py), when,
    # and the why: the row's reason for being unknown, then what the provider's log said. Defaults in
    # the database too: the recipient writer and the sender insert rows in SQL.
    resolution = models.CharField(max_length=20, choices=Resolution.choices, blank=True, default="", db_default="")
    resolution_note = models.TextField(blank=True, default="", db_default="")
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta(BaseModel.Meta):
        constraints = [models.UniqueConstraint(fields=["campaign", "lead"], name="campaign_result_one_per_lead")]
        # The claim (pending → sending) must be a HOT update: no index names a column it writes
        # (status, claimed_at, updated_at), and the table keeps free room in its pages
        # (fillfactor 18; apps/campaigns/hot_updates.py says why). Chunks, the completion check and the
        # reconcile job find their rows through (campaign, chunk), which nothing changes while sending.
        indexes = [
            models.Index(fields=["campaign", "chunk"], name="campaign_result_chunk"),
        ]
        # The settle (sending → sent) is HOT too: no index names provider_message_id or message_id.
        # Webhooks find a row by provider id through CampaignProviderRequest and (campaign, chunk);
        # replies by the result id inside our Message-ID (apps/tracking/replies.py).

    def __str__(self) -> str:
        return f"{self.campaign} → {self.email or self.lead_id} ({self.status})"


class CampaignProviderRequest(models.Model):
    """One provider request of a chunk (up to 1,000 recipients under one provider message id:
    SendGrid's X-Message-Id, Mailgun's id), written once when its rows are settled.

    Webhook events that do not carry our result id name the provider id and the recipient: this
    table gives the (campaign, chunk) whose rows to look at, so the result table needs no index on
    the provider id and its settle stays a HOT update.
    """

    provider_message_id = models.CharField(max_length=255)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    chunk = models.IntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider_message_id", "campaign", "chunk"],
                name="campaign_provider_request_unique",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider_message_id} → {self.campaign_id} chunk {self.chunk}"
