"""Sales opportunities and the history of their moves through the pipeline."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.models import BaseModel


class Opportunity(BaseModel):
    class Status(models.TextChoices):
        # The SPA's board shows the columns in this order.
        NEW = "new", _("New")
        QUALIFIED = "qualified", _("Qualified")
        PROPOSAL = "proposal", _("Proposal")
        NEGOTIATION = "negotiation", _("Negotiation")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    name = models.CharField(max_length=200, verbose_name=_("name"))
    # Free text (SPEC.md: "website", "campaign", "referral", ...), stored lower-case for filtering.
    source = models.CharField(max_length=50, blank=True, default="", verbose_name=_("source"))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW, verbose_name=_("status"))
    value = models.DecimalField(
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        verbose_name=_("amount"),
    )
    expected_close_date = models.DateField(null=True, blank=True, verbose_name=_("expected close date"))
    notes = models.TextField(blank=True, default="", verbose_name=_("notes"))
    lead = models.ForeignKey(
        "leads.Lead",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="opportunities",
        verbose_name=_("lead"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="opportunities", verbose_name=_("user")
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["user", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display()})"


class OpportunityStatusChange(BaseModel):
    """One move of an opportunity between statuses; ``from_status`` is empty for its creation."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("opportunity")
    )
    from_status = models.CharField(
        max_length=20, choices=Opportunity.Status.choices, blank=True, default="", verbose_name=_("from status")
    )
    to_status = models.CharField(max_length=20, choices=Opportunity.Status.choices, verbose_name=_("to status"))
    note = models.TextField(blank=True, default="", verbose_name=_("note"))
    changed_at = models.DateTimeField(default=timezone.now, verbose_name=_("changed at"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )

    class Meta:
        verbose_name = _("opportunity status change")
        verbose_name_plural = _("opportunity status changes")
        ordering = ["changed_at", "created_at"]
        indexes = [models.Index(fields=["opportunity", "changed_at"])]

    def __str__(self) -> str:
        start = self.get_from_status_display() or "—"
        when = timezone.localtime(self.changed_at)
        return f"{self.opportunity.name}: {start} → {self.get_to_status_display()} ({when:%Y-%m-%d %H:%M})"
