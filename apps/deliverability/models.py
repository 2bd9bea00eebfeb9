"""Sending domains with their last DNS check and complaint rate, and the campaigns a high rate paused."""

from django.db import models

from common.models import BaseModel


class CheckStatus(models.TextChoices):
    PASS = "pass", "Pass"
    WARNING = "warning", "Warning"
    FAIL = "fail", "Fail"
    ERROR = "error", "Lookup failed"  # the name servers did not answer: nothing is known
    UNCHECKED = "unchecked", "Not checked yet"


class SenderDomain(BaseModel):
    class ComplaintLevel(models.TextChoices):
        OK = "ok", "Below the warning rate"
        WARNING = "warning", "At or above the warning rate"
        PAUSED = "paused", "At or above the pause rate: advertising campaigns paused"

    domain = models.CharField(max_length=253, unique=True)
    # Providers whose DKIM records and SPF include the check looks for ("sendgrid", "mailgun").
    providers = models.JSONField(default=list, blank=True)

    checked_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=CheckStatus.choices, default=CheckStatus.UNCHECKED)
    spf_status = models.CharField(max_length=10, choices=CheckStatus.choices, default=CheckStatus.UNCHECKED)
    spf_record = models.TextField(blank=True, default="")
    dkim_status = models.CharField(max_length=10, choices=CheckStatus.choices, default=CheckStatus.UNCHECKED)
    # [{"provider", "selector", "name", "type", "value", "ok"}] for every record looked up.
    dkim_records = models.JSONField(default=list, blank=True)
    dmarc_status = models.CharField(max_length=10, choices=CheckStatus.choices, default=CheckStatus.UNCHECKED)
    dmarc_record = models.TextField(blank=True, default="")
    dmarc_policy = models.CharField(max_length=20, blank=True, default="")
    # What to fix, one sentence each, in the order a person would do it.
    fixes = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    sent_last_day = models.PositiveIntegerField(default=0)

    complaint_rate_updated_at = models.DateTimeField(null=True, blank=True)
    complaint_sent = models.PositiveIntegerField(default=0, help_text="Messages sent in the window")
    complaint_count = models.PositiveIntegerField(default=0, help_text="Recipients who complained in the window")
    complaint_rate = models.FloatField(default=0.0)
    complaint_level = models.CharField(max_length=10, choices=ComplaintLevel.choices, default=ComplaintLevel.OK)

    class Meta(BaseModel.Meta):
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain


class ComplaintPause(BaseModel):
    """An advertising campaign paused because its sending domain's complaint rate reached the limit."""

    sender_domain = models.ForeignKey(SenderDomain, on_delete=models.CASCADE, related_name="pauses")
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="complaint_pauses")
    complaint_rate = models.FloatField()
    complaint_count = models.PositiveIntegerField()
    complaint_sent = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.campaign} paused at {self.complaint_rate:.2%} ({self.sender_domain})"
