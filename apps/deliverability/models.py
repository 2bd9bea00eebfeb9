"""Sending domains with their last DNS check and complaint rate, and the campaigns a high rate paused."""

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.models import BaseModel


class CheckStatus(models.TextChoices):
    PASS = "pass", _("Pass")
    WARNING = "warning", _("Warning")
    FAIL = "fail", _("Fail")
    ERROR = "error", _("Lookup failed")  # the name servers did not answer: nothing is known
    UNCHECKED = "unchecked", _("Not checked yet")


class SenderDomain(BaseModel):
    class ComplaintLevel(models.TextChoices):
        OK = "ok", _("Below the warning rate")
        WARNING = "warning", _("At or above the warning rate")
        PAUSED = "paused", _("At or above the pause rate: advertising campaigns paused")

    domain = models.CharField(max_length=253, unique=True, verbose_name=_("domain"))
    # Providers whose DKIM records and SPF include the check looks for ("sendgrid", "mailgun").
    providers = models.JSONField(default=list, blank=True, verbose_name=_("providers"))

    checked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("checked at"))
    status = models.CharField(
        max_length=10, choices=CheckStatus.choices, default=CheckStatus.UNCHECKED, verbose_name=_("status")
    )
    spf_status = models.CharField(
        max_length=10, choices=CheckStatus.choices, default=CheckStatus.UNCHECKED, verbose_name=_("SPF")
    )
    spf_record = models.TextField(blank=True, default="", verbose_name=_("SPF record"))
    dkim_status = models.CharField(
        max_length=10, choices=CheckStatus.choices, default=CheckStatus.UNCHECKED, verbose_name=_("DKIM")
    )
    # [{"provider", "selector", "name", "type", "value", "ok"}] for every record looked up.
    dkim_records = models.JSONField(default=list, blank=True, verbose_name=_("DKIM records"))
    dmarc_status = models.CharField(
        max_length=10, choices=CheckStatus.choices, default=CheckStatus.UNCHECKED, verbose_name=_("DMARC")
    )
    dmarc_record = models.TextField(blank=True, default="", verbose_name=_("DMARC record"))
    dmarc_policy = models.CharField(max_length=20, blank=True, default="", verbose_name=_("DMARC policy"))
    # What to fix, one sentence each, in the order a person would do it.
    fixes = models.JSONField(default=list, blank=True, verbose_name=_("fixes"))
    warnings = models.JSONField(default=list, blank=True, verbose_name=_("warnings"))
    sent_last_day = models.PositiveIntegerField(default=0, verbose_name=_("sent in the last 24 hours"))

    complaint_rate_updated_at = models.DateTimeField(null=True, blank=True, verbose_name=_("complaint rate updated at"))
    complaint_sent = models.PositiveIntegerField(
        default=0, help_text=_("Messages sent in the window"), verbose_name=_("complaint sent")
    )
    complaint_count = models.PositiveIntegerField(
        default=0, help_text=_("Recipients who complained in the window"), verbose_name=_("complaint count")
    )
    complaint_rate = models.FloatField(default=0.0, verbose_name=_("complaint rate"))
    complaint_level = models.CharField(
        max_length=10, choices=ComplaintLevel.choices, default=ComplaintLevel.OK, verbose_name=_("complaint level")
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("sender domain")
        verbose_name_plural = _("sender domains")
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain


class ComplaintPause(BaseModel):
    """An advertising campaign paused because its sending domain's complaint rate reached the limit."""

    sender_domain = models.ForeignKey(
        SenderDomain, on_delete=models.CASCADE, related_name="pauses", verbose_name=_("sender domain")
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="complaint_pauses", verbose_name=_("campaign")
    )
    complaint_rate = models.FloatField(verbose_name=_("complaint rate"))
    complaint_count = models.PositiveIntegerField(verbose_name=_("complaint count"))
    complaint_sent = models.PositiveIntegerField(verbose_name=_("complaint sent"))

    class Meta(BaseModel.Meta):
        verbose_name = _("complaint pause")
        verbose_name_plural = _("complaint pauses")

    def __str__(self) -> str:
        return gettext("%(campaign)s paused at %(rate)s (%(domain)s)") % {
            "campaign": self.campaign,
            "rate": f"{self.complaint_rate:.2%}",
            "domain": self.sender_domain,
        }
