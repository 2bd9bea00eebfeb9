"""The national company database (SPEC.md "SalesOneLead (UltimateDB)"), shared read-only by every user."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from common.korean_ids import is_valid_business_number, is_valid_corporation_number
from common.models import BaseModel


class Industry(models.Model):
    """Korean Standard Industrial Classification (KSIC) code, e.g. S96113 피부 미용업."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "industries"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Keyword(models.Model):
    name = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SalesOneLead(models.Model):
    corporation_number = models.CharField(max_length=13, unique=True)
    business_number = models.CharField(max_length=10, null=True, blank=True)
    industry = models.ForeignKey(Industry, on_delete=models.SET_NULL, null=True, blank=True, related_name="companies")
    industry_name = models.CharField(max_length=200, null=True, blank=True)
    name = models.CharField(max_length=200)
    name_eng = models.CharField(max_length=200, null=True, blank=True)
    owner = models.CharField(max_length=100, null=True, blank=True)
    email = models.EmailField(null=True, blank=True)
    phone = models.CharField(max_length=20, null=True, blank=True)
    homepage = models.JSONField(null=True, blank=True)
    handle_goods = models.JSONField(null=True, blank=True)
    employee = models.IntegerField(default=1)
    finance_currency_code = models.CharField(max_length=5, null=True, blank=True)
    finance_year = models.IntegerField(null=True, blank=True)
    finance_revenue = models.BigIntegerField(null=True, blank=True)
    finance_operating_profit = models.BigIntegerField(null=True, blank=True)
    finance_comprehensive_income = models.BigIntegerField(null=True, blank=True)
    finance_net_profit = models.BigIntegerField(null=True, blank=True)
    finance_total_assets = models.BigIntegerField(null=True, blank=True)
    finance_total_liabilities = models.BigIntegerField(null=True, blank=True)
    finance_total_equity = models.BigIntegerField(null=True, blank=True)
    finance_capital = models.BigIntegerField(null=True, blank=True)
    finance_debt_ratio = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    is_normal_taxpayer = models.BooleanField(default=False)
    is_corporation = models.BooleanField(default=False)
    address = models.TextField(null=True, blank=True)
    si_nm = models.CharField(max_length=50, null=True, blank=True)
    sgg_nm = models.CharField(max_length=50, null=True, blank=True)
    postal_code = models.CharField(max_length=6, null=True, blank=True)
    established_date = models.DateField(null=True, blank=True)
    description = models.TextField(null=True, blank=True)
    keywords = models.ManyToManyField(Keyword, related_name="ultimatedb", blank=True)
    scraped_bizinfo = models.BooleanField(default=False)

    class Meta:
        ordering = ["corporation_number"]
        verbose_name = "SalesOne lead"

    def __str__(self) -> str:
        return f"{self.name} ({self.corporation_number})"

    @property
    def business_number_valid(self) -> bool:
        return is_valid_business_number(self.business_number)

    @property
    def corporation_number_valid(self) -> bool:
        return is_valid_corporation_number(self.corporation_number)


class ImportJob(BaseModel):
    """An import of more companies than one request should hold (SALESONE_IMPORT_ASYNC_THRESHOLD),
    run by the ``imports`` Celery queue in batches; each batch commits its leads and the counters
    together, so a redelivered task resumes where the last one stopped."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        COMPLETED = "completed"
        FAILED = "failed"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="salesone_import_jobs")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    # The companies to import, resolved when the job was asked for (a filter is not re-run later).
    corporation_numbers = ArrayField(models.CharField(max_length=13), default=list)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    not_found = models.PositiveIntegerField(default=0)
    lead_list = models.ForeignKey(
        "leads.LeadList", on_delete=models.SET_NULL, null=True, blank=True, related_name="salesone_import_jobs"
    )
    error = models.TextField(blank=True, default="")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta(BaseModel.Meta):
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"import of {self.total} companies ({self.status})"

    @property
    def progress(self) -> float:
        """Percent of the companies processed, 0–100."""
        return round(100 * self.processed / self.total, 1) if self.total else 100.0
