"""A user's own leads, and named lists of them that campaigns send to."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.korean_ids import is_valid_business_number, is_valid_corporation_number
from common.models import BaseModel


class Lead(BaseModel):
    class BusinessStatus(models.TextChoices):
        """국세청 사업자등록 상태 (issue 20): set by the NTS check, never by the user."""

        UNKNOWN = "", _("Not checked")
        ACTIVE = "active", _("Active (계속사업자)")
        SUSPENDED = "suspended", _("Suspended (휴업자)")
        CLOSED = "closed", _("Closed (폐업자)")
        UNREGISTERED = "unregistered", _("Not registered with the NTS")

    # Campaigns leave these out unless the campaign opts in (campaigns' recipient writer).
    INACTIVE_STATUSES = (BusinessStatus.SUSPENDED, BusinessStatus.CLOSED)

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
    # An IANA zone (Europe/London): a sequence sends inside its window in this zone; empty (the API's
    # null): unknown, the sequence's zone. A database default too: raw INSERTs (the bench) need not name it.
    timezone = models.CharField(max_length=64, blank=True, default="", db_default="", verbose_name=_("time zone"))
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
    # Lead intelligence (issue 20; apps/intelligence writes these, the API only reads them).
    description = models.TextField(blank=True, default="", verbose_name=_("description"))
    business_status = models.CharField(
        max_length=20, choices=BusinessStatus.choices, blank=True, default="", verbose_name=_("business status")
    )
    business_status_checked_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("business status checked at")
    )
    business_closed_on = models.DateField(null=True, blank=True, verbose_name=_("closed on"))
    tax_type = models.CharField(max_length=100, blank=True, default="", verbose_name=_("tax type"))
    enriched_at = models.DateTimeField(null=True, blank=True, verbose_name=_("enriched at"))
    # 0–100, for ordering and filtering the list; its terms are in intelligence.LeadScore (a narrow
    # table: rescoring 100k leads rewrites that, and this column only where the number changed).
    score = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("score"))

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
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["user", "-score"], name="leads_lead_user_score_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.owner})" if self.owner else self.name

    @property
    def is_inactive_business(self) -> bool:
        return self.business_status in self.INACTIVE_STATUSES

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
