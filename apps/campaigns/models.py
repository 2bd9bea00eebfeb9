"""Campaigns: a template sent to the leads of some lead lists, one result row per (campaign, lead)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.models import BaseModel


class CampaignTemplate(BaseModel):
    name = models.CharField(max_length=200, verbose_name=_("name"))
    title = models.CharField(max_length=500, help_text=_("Jinja2 template of the subject"), verbose_name=_("title"))
    body = models.TextField(help_text=_("Jinja2 template of the HTML body (autoescaped)"), verbose_name=_("body"))
    # Empty: the text/plain part is made from the rendered HTML (common/email_content.py).
    text_body = models.TextField(
        blank=True,
        default="",
        help_text=_("Jinja2 template of the text/plain part; empty: made from the HTML body"),
        verbose_name=_("text body"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="campaign_templates", verbose_name=_("user")
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("campaign template")
        verbose_name_plural = _("campaign templates")

    def __str__(self) -> str:
        return self.name


class Campaign(BaseModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        IN_PROGRESS = "in_progress", _("In progress")
        PAUSED = "paused", _("Paused")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")

    name = models.CharField(max_length=200, verbose_name=_("name"))
    leadlists = models.ManyToManyField(
        "leads.LeadList", related_name="campaigns", blank=True, verbose_name=_("lead lists")
    )
    template = models.ForeignKey(
        CampaignTemplate, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("template")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="campaigns", verbose_name=_("user")
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True, verbose_name=_("status")
    )
    scheduled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("scheduled at"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    completed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("completed at"))
    # 정보통신망법 제50조: advertising mail carries "(광고)", the sender and an opt-out.
    is_advertising = models.BooleanField(default=True, verbose_name=_("advertising"))
    # Tracking is a choice with a price in deliverability (README, Deliverability).
    track_opens = models.BooleanField(
        default=True,
        help_text=_("Open pixel: opens are counted, but an image beside a short text costs ~1.4 spam points."),
        verbose_name=_("track opens"),
    )
    track_clicks = models.BooleanField(
        default=True,
        help_text=_("Links go through our redirect: clicks are counted, but filters distrust rewritten links."),
        verbose_name=_("track clicks"),
    )
    plain_text = models.BooleanField(
        default=False,
        help_text=_(
            "Plain mode: text only, no pixel, links untouched (as one writes to one person); "
            "the best deliverability, but neither opens nor clicks are tracked."
        ),
        verbose_name=_("plain text only"),
    )
    # Closed (폐업) and suspended (휴업) companies (NTS status, issue 20) are left out unless this is set.
    include_inactive_businesses = models.BooleanField(
        default=False,
        help_text=_("Also send to companies the NTS reports closed or suspended."),
        verbose_name=_("include closed and suspended companies"),
    )
    # Optional daily sending window, in Asia/Seoul.
    send_window_start = models.TimeField(null=True, blank=True, verbose_name=_("send window start"))
    send_window_end = models.TimeField(null=True, blank=True, verbose_name=_("send window end"))
    failure_reason = models.TextField(blank=True, default="", verbose_name=_("failure reason"))
    # Why sending paused it (its mailbox was deactivated). Null, not "": the SPA's client tells "no
    # reason" (paused by hand, or not paused) from a reason without comparing strings.
    paused_reason = models.TextField(  # noqa: DJ001
        null=True,
        blank=True,
        help_text=_("Why the campaign was paused when it was not paused by hand (its mailbox was deactivated)"),
        verbose_name=_("paused because"),
    )
    # The sender the advertising footer names; empty: the user's name and e-mail address.
    sender_name = models.CharField(max_length=100, blank=True, default="", verbose_name=_("sender name"))
    sender_contact = models.CharField(
        max_length=200, blank=True, default="", help_text=_("Phone or e-mail"), verbose_name=_("sender contact")
    )
    # A sender identity (apps/mail): the campaign sends from it, within its rolling caps, which it
    # shares with every other campaign and sequence using it. Empty: the default sender, no caps.
    mailbox = models.ForeignKey(
        "mail.Mailbox",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
        verbose_name=_("mailbox"),
    )

    class Kind(models.TextChoices):
        CAMPAIGN = "campaign", _("Campaign")
        # One step (and A/B variant) of a sequence (apps/sequences): its rows are written by the
        # sequence scheduler, each with its own mailbox, and it is not listed among campaigns.
        SEQUENCE_STEP = "sequence_step", _("Sequence step")

    kind = models.CharField(
        max_length=20, choices=Kind.choices, default=Kind.CAMPAIGN, db_default=Kind.CAMPAIGN, verbose_name=_("kind")
    )
    # Last time a chunk was dispatched or settled: a campaign quiet for long is re-dispatched by the
    # reconcile job (a chunk message lost with a crashed worker).
    last_progress_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last progress at"))
    # Set when the recipient writer has written every recipient row (it runs after the start, as a
    # task, and the chunks send while it writes): a campaign completes only once this is set.
    recipients_written_at = models.DateTimeField(null=True, blank=True, verbose_name=_("recipients written at"))
    # When the outcome resolver last found nothing left to ask the provider about (apps/campaigns/
    # resolution.py): it looks at the campaign again only after the campaign makes progress.
    unknown_checked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("unknown checked at"))

    # Transitions (DESIGN.md, States).
    STARTABLE = frozenset({Status.DRAFT, Status.SCHEDULED, Status.PAUSED, Status.FAILED})
    PAUSABLE = frozenset({Status.IN_PROGRESS, Status.SCHEDULED})
    # Template and lead lists are fixed once recipient rows exist.
    EDITABLE = frozenset({Status.DRAFT, Status.SCHEDULED})

    class Meta(BaseModel.Meta):
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.name


class CampaignLeadResult(BaseModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Claimed by a worker")
        SENT = "sent", _("Sent")
        OPENED = "opened", _("Opened")
        CLICKED = "clicked", _("Clicked")
        REPLIED = "replied", _("Replied")
        BOUNCED = "bounced", _("Bounced")
        FAILED = "failed", _("Failed")
        # The provider may have the message (a crash or a lost answer after the request left us):
        # never re-sent automatically; resolved by asking the provider, or re-sent by the owner.
        UNKNOWN = "unknown", _("Outcome unknown")

    # Every row is written twice while sending (claimed, settled), so it carries only the indexes
    # sending and tracking need: not the base model's created_at index.
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    # The unique (campaign, lead) index serves every lookup by campaign.
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="results", db_index=False, verbose_name=_("campaign")
    )
    lead = models.ForeignKey(
        "leads.Lead",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="campaign_results",
        verbose_name=_("lead"),
    )
    email = models.EmailField(
        blank=True,
        default="",
        help_text=_("The address, captured when the row was written"),
        verbose_name=_("e-mail address"),
    )
    title = models.CharField(max_length=998, blank=True, default="", verbose_name=_("title"))
    data = models.JSONField(default=dict, blank=True, verbose_name=_("template data"))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, verbose_name=_("status"))
    sent = models.BooleanField(default=False, verbose_name=_("sent flag"))
    error_message = models.TextField(blank=True, default="", verbose_name=_("error message"))
    provider = models.CharField(max_length=20, blank=True, default="", verbose_name=_("provider"))
    provider_message_id = models.CharField(
        max_length=255, blank=True, default="", verbose_name=_("provider message ID")
    )
    message_id = models.CharField(
        max_length=255, blank=True, default="", help_text=_("Our Message-ID header"), verbose_name=_("Message-ID")
    )
    claimed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("claimed at"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    delivered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("delivered at"))
    opened_at = models.DateTimeField(null=True, blank=True, verbose_name=_("opened at"))
    clicked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("clicked at"))
    replied_at = models.DateTimeField(null=True, blank=True, verbose_name=_("replied at"))
    bounced_at = models.DateTimeField(null=True, blank=True, verbose_name=_("bounced at"))
    unsubscribed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("unsubscribed at"))
    complained_at = models.DateTimeField(null=True, blank=True, verbose_name=_("complained at"))
    open_count = models.PositiveIntegerField(default=0, verbose_name=_("open count"))
    click_count = models.PositiveIntegerField(default=0, verbose_name=_("click count"))
    # Rows are split into chunks of CAMPAIGN_CHUNK_SIZE when the campaign starts; one task sends one
    # chunk. Null for rows that were never sendable (no address, suppressed).
    chunk = models.IntegerField(null=True, blank=True, verbose_name=_("chunk"))
    # A failure the user may retry (provider refusal, unknown outcome); not a missing address.
    retryable = models.BooleanField(default=False, verbose_name=_("retryable"))
    # Written by the sequence scheduler (apps/sequences) with the row: the mailbox it goes out from
    # (its cap already reserved), and for a follow-up in the same thread the first message's
    # Message-ID and subject (In-Reply-To, References, "Re: "). No index: the settle stays HOT.
    mailbox = models.ForeignKey(
        "mail.Mailbox",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
        verbose_name=_("mailbox"),
    )
    thread_message_id = models.CharField(
        max_length=255, blank=True, default="", db_default="", verbose_name=_("thread Message-ID")
    )
    thread_subject = models.CharField(
        max_length=998, blank=True, default="", db_default="", verbose_name=_("thread subject")
    )

    class Resolution(models.TextChoices):
        FOUND = "found", _("Found in the provider's log: sent")
        RESENT = "resent", _("Not in the provider's log: sent once more")
        HELD = "held", _("Not in the provider's log: held for a person")

    # How an unknown outcome was resolved by asking the provider (apps/campaigns/resolution.py), when,
    # and the why: the row's reason for being unknown, then what the provider's log said. Defaults in
    # the database too: the recipient writer and the sender insert rows in SQL.
    resolution = models.CharField(
        max_length=20, choices=Resolution.choices, blank=True, default="", db_default="", verbose_name=_("resolution")
    )
    resolution_note = models.TextField(blank=True, default="", db_default="", verbose_name=_("resolution note"))
    resolved_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resolved at"))

    class Meta(BaseModel.Meta):
        verbose_name = _("campaign lead result")
        verbose_name_plural = _("campaign lead results")
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
        return f"{self.campaign} → {self.email or self.lead_id} ({self.get_status_display()})"


class CampaignProviderRequest(models.Model):
    """One provider request of a chunk (up to 1,000 recipients under one provider message id:
    SendGrid's X-Message-Id, Mailgun's id), written once when its rows are settled.

    Webhook events that do not carry our result id name the provider id and the recipient: this
    table gives the (campaign, chunk) whose rows to look at, so the result table needs no index on
    the provider id and its settle stays a HOT update.
    """

    provider_message_id = models.CharField(max_length=255, verbose_name=_("provider message ID"))
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+", verbose_name=_("campaign"))
    chunk = models.IntegerField(null=True, blank=True, verbose_name=_("chunk"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("campaign provider request")
        verbose_name_plural = _("campaign provider requests")
        constraints = [
            models.UniqueConstraint(
                fields=["provider_message_id", "campaign", "chunk"],
                name="campaign_provider_request_unique",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return gettext("%(id)s → campaign %(campaign)s, chunk %(chunk)s") % {
            "id": self.provider_message_id,
            "campaign": self.campaign_id,
            "chunk": self.chunk,
        }


class ReportEmail(BaseModel):
    """A report e-mail sent to an owner (apps/campaigns/reports.py). The row is the claim: written
    before the e-mail is queued, unique on what it reports (the campaign's completion, a sequence's
    week), so a completion handled twice, or a beat job racing it, queues one e-mail."""

    class Kind(models.TextChoices):
        CAMPAIGN_COMPLETED = "campaign_completed", _("Campaign completed")
        SEQUENCE_WEEKLY = "sequence_weekly", _("Sequence, weekly")

    kind = models.CharField(max_length=30, choices=Kind.choices, verbose_name=_("kind"))
    # The campaign's (or the sequence's) id: no foreign key, so the sequences app needs no column here.
    subject_id = models.UUIDField(verbose_name=_("reported object"))
    # "" for a campaign's completion; the ISO week ("2026-W49") of a weekly report.
    period = models.CharField(max_length=20, blank=True, default="", verbose_name=_("period"))
    recipient = models.EmailField(verbose_name=_("recipient"))

    class Meta(BaseModel.Meta):
        verbose_name = _("report e-mail")
        verbose_name_plural = _("report e-mails")
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject_id", "period"], name="report_email_once_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subject_id} {self.period} → {self.recipient}"
