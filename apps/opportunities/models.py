"""Sales opportunities and the history of their moves through the pipeline."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from common.models import BaseModel


class Opportunity(BaseModel):
    class Status(models.TextChoices):
        # The SPA's board shows the columns in this order.
        NEW = "new", "신규"
        QUALIFIED = "qualified", "검증"
        PROPOSAL = "proposal", "제안"
        NEGOTIATION = "negotiation", "협상"
        WON = "won", "수주"
        LOST = "lost", "실주"

    name = models.CharField(max_length=200)
    # Free text (SPEC.md: "website", "campaign", "referral", ...), stored lower-case for filtering.
    source = models.CharField(max_length=50, blank=True, default="")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    value = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    expected_close_date = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True, default="")
    lead = models.ForeignKey(
        "leads.Lead", on_delete=models.SET_NULL, null=True, blank=True, related_name="opportunities"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="opportunities")

    class Meta(BaseModel.Meta):
        verbose_name_plural = "opportunities"
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["user", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display()})"


class OpportunityStatusChange(BaseModel):
    """One move of an opportunity between statuses; ``from_status`` is empty for its creation."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=Opportunity.Status.choices, blank=True, default="")
    to_status = models.CharField(max_length=20, choices=Opportunity.Status.choices)
    note = models.TextField(blank=True, default="")
    changed_at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["changed_at", "created_at"]
        indexes = [models.Index(fields=["opportunity", "changed_at"])]

    def __str__(self) -> str:
        start = self.get_from_status_display() or "—"
        when = timezone.localtime(self.changed_at)
        return f"{self.opportunity.name}: {start} → {self.get_to_status_display()} ({when:%Y-%m-%d %H:%M})"
