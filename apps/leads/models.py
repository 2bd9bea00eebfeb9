"""A user's own leads, and named lists of them that campaigns send to."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from common.korean_ids import is_valid_business_number, is_valid_corporation_number
from common.models import BaseModel


class Lead(BaseModel):
    corporation_number = models.CharField(max_length=13, blank=True, default="")
    business_number = models.CharField(max_length=12, blank=True, default="")
    name = models.TextField()
    owner = models.TextField(blank=True, default="")
    email = models.EmailField(blank=True, default="")
    phone = models.CharField(max_length=20, blank=True, default="")
    homepage = models.JSONField(default=list, blank=True)
    employee = models.IntegerField(null=True, blank=True)
    revenue = models.BigIntegerField(null=True, blank=True)
    address = models.TextField(blank=True, default="")
    si_nm = models.CharField(max_length=50, blank=True, default="")
    sgg_nm = models.CharField(max_length=50, blank=True, default="")
    established_date = models.DateField(null=True, blank=True)
    industry = models.ForeignKey(
        "salesone_leads.Industry", on_delete=models.SET_NULL, null=True, blank=True, related_name="leads"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="leads")

    class Meta(BaseModel.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["user", "corporation_number"],
                condition=~models.Q(corporation_number=""),
                name="leads_unique_corporation_number_per_user",
            ),
            models.UniqueConstraint(
                fields=["user", "business_number"],
                condition=~models.Q(business_number=""),
                name="leads_unique_business_number_per_user",
            ),
        ]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.owner})" if self.owner else self.name

    @property
    def business_number_valid(self) -> bool:
        """The 사업자등록번호 check digit holds: a flag, never a rejection (DESIGN.md)."""
        return is_valid_business_number(self.business_number)

    @property
    def corporation_number_valid(self) -> bool:
        return is_valid_corporation_number(self.corporation_number)


class LeadList(BaseModel):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    # Ordered ids of the user's leads; kept free of deleted leads by the leads app.
    lead_ids = ArrayField(models.UUIDField(), default=list, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lead_lists")

    class Meta(BaseModel.Meta):
        # No GIN index on lead_ids: it made adding 10,000 ids to a list ~4x slower (one index entry
        # per id), and a deleted lead is looked up only among its own user's lists (services.py).
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return self.name
