"""Campaigns: a template sent to the leads of some lead lists, one result row per (campaign, lead)."""

from django.conf import settings
from django.db import models

from common.models import BaseModel


class CampaignTemplate(BaseModel):
    name = models.CharField(max_length=200)
    title = models.CharField(max_length=500, help_text="Jinja2 template of the subject")
    body = models.TextField(help_text="Jinja2 template of the HTML body (autoescaped)")
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
    # Optional daily sending window, in Asia/Seoul.
    send_window_start = models.TimeField(null=True, blank=True)
    send_window_end = models.TimeField(null=True, blank=True)
    failure_reason = models.TextField(blank=True, default="")

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

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="results")
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
    provider_message_id = models.CharField(max_length=255, blank=True, default="", db_index=True)
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

    class Meta(BaseModel.Meta):
        constraints = [models.UniqueConstraint(fields=["campaign", "lead"], name="campaign_result_one_per_lead")]
        indexes = [models.Index(fields=["campaign", "status"])]

    def __str__(self) -> str:
        return f"{self.campaign} → {self.email or self.lead_id} ({self.status})"
