"""A user's own leads, and named lists of them that campaigns send to."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.korean_ids import is_valid_business_number, is_valid_corporation_number
from common.models import BaseModel


class Lead(BaseModel):
    corporation_number = models.CharField(max_length=13, blank=True, default="", verbose_name=_("corporation number"))
    business_number = models.CharField(max_length=12, blank=True, default="", verbose_name=_("business number"))
    name = models.TextField(verbose_name=_("name"))
    owner = models.TextField(blank=True, default="", verbose_name=_("owner"))
    email = models.EmailField(blank=True, default="", verbose_name=_("e-mail address"))
    phone = models.CharField(max_length=20, blank=True, default="", verbose_name=_("phone"))
    homepage = models.JSONField(default=list, blank=True, verbose_name=_("homepage"))
    employee = models.IntegerField(null=True, blank=True, verbose_name=_("employees"))
    revenue = models.BigIntegerField(null=True, blank=True, verbose_name=_("revenue"))
    address = models.TextField(blank=True, default="", verbose_name=_("address"))
    si_nm = models.CharField(max_length=50, blank=True, default="", verbose_name=_("province/city"))
    sgg_nm = models.CharField(max_length=50, blank=True, default="", verbose_name=_("district"))
    established_date = models.DateField(null=True, blank=True, verbose_name=_("established date"))
    industry = models.ForeignKey(
        "salesone_leads.Industry",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("industry"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="leads", verbose_name=_("user")
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
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
    name = models.CharField(max_length=200, verbose_name=_("name"))
    description = models.TextField(blank=True, default="", verbose_name=_("description"))
    # Ordered ids of the user's leads; kept free of deleted leads by the leads app.
    lead_ids = ArrayField(models.UUIDField(), default=list, blank=True, verbose_name=_("lead IDs"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lead_lists", verbose_name=_("user")
    )

    class Meta(BaseModel.Meta):
        # No GIN index on lead_ids: it made adding 10,000 ids to a list ~4x slower (one index entry
        # per id), and a deleted lead is looked up only among its own user's lists (services.py).
        verbose_name = _("lead list")
        verbose_name_plural = _("lead lists")
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return self.name
