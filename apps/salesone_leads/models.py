"""The national company database (SPEC.md "SalesOneLead (UltimateDB)"), shared read-only by every user."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.korean_ids import is_valid_business_number, is_valid_corporation_number
from common.models import BaseModel


class Industry(models.Model):
    """Korean Standard Industrial Classification (KSIC) code, e.g. S96113 피부 미용업."""

    code = models.CharField(max_length=20, unique=True, verbose_name=_("code"))
    name = models.CharField(max_length=200, verbose_name=_("name"))

    class Meta:
        verbose_name = _("industry")
        ordering = ["code"]
        verbose_name_plural = _("industries")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Keyword(models.Model):
    name = models.CharField(max_length=100, unique=True, verbose_name=_("name"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("keyword")
        verbose_name_plural = _("keywords")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SalesOneLead(models.Model):
    corporation_number = models.CharField(max_length=13, unique=True, verbose_name=_("corporation number"))
    business_number = models.CharField(max_length=10, null=True, blank=True, verbose_name=_("business number"))
    industry = models.ForeignKey(
        Industry, on_delete=models.SET_NULL, null=True, blank=True, related_name="companies", verbose_name=_("industry")
    )
    industry_name = models.CharField(max_length=200, null=True, blank=True, verbose_name=_("industry name"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    name_eng = models.CharField(max_length=200, null=True, blank=True, verbose_name=_("English name"))
    owner = models.CharField(max_length=100, null=True, blank=True, verbose_name=_("owner"))
    email = models.EmailField(null=True, blank=True, verbose_name=_("e-mail address"))
    phone = models.CharField(max_length=20, null=True, blank=True, verbose_name=_("phone"))
    homepage = models.JSONField(null=True, blank=True, verbose_name=_("homepage"))
    handle_goods = models.JSONField(null=True, blank=True, verbose_name=_("goods handled"))
    employee = models.IntegerField(default=1, verbose_name=_("employees"))
    finance_currency_code = models.CharField(max_length=5, null=True, blank=True, verbose_name=_("currency"))
    finance_year = models.IntegerField(null=True, blank=True, verbose_name=_("fiscal year"))
    finance_revenue = models.BigIntegerField(null=True, blank=True, verbose_name=_("revenue"))
    finance_operating_profit = models.BigIntegerField(null=True, blank=True, verbose_name=_("operating profit"))
    finance_comprehensive_income = models.BigIntegerField(null=True, blank=True, verbose_name=_("comprehensive income"))
    finance_net_profit = models.BigIntegerField(null=True, blank=True, verbose_name=_("net profit"))
    finance_total_assets = models.BigIntegerField(null=True, blank=True, verbose_name=_("total assets"))
    finance_total_liabilities = models.BigIntegerField(null=True, blank=True, verbose_name=_("total liabilities"))
    finance_total_equity = models.BigIntegerField(null=True, blank=True, verbose_name=_("total equity"))
    finance_capital = models.BigIntegerField(null=True, blank=True, verbose_name=_("capital stock"))
    finance_debt_ratio = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, verbose_name=_("debt ratio (%)")
    )
    is_normal_taxpayer = models.BooleanField(default=False, verbose_name=_("general taxpayer"))
    is_corporation = models.BooleanField(default=False, verbose_name=_("corporation"))
    address = models.TextField(null=True, blank=True, verbose_name=_("address"))
    si_nm = models.CharField(max_length=50, null=True, blank=True, verbose_name=_("province/city"))
    sgg_nm = models.CharField(max_length=50, null=True, blank=True, verbose_name=_("district"))
    postal_code = models.CharField(max_length=6, null=True, blank=True, verbose_name=_("postal code"))
    established_date = models.DateField(null=True, blank=True, verbose_name=_("established date"))
    description = models.TextField(null=True, blank=True, verbose_name=_("description"))
    keywords = models.ManyToManyField(Keyword, related_name="ultimatedb", blank=True, verbose_name=_("keywords"))
    scraped_bizinfo = models.BooleanField(default=False, verbose_name=_("Bizinfo scraped"))

    class Meta:
        verbose_name_plural = _("SalesOne leads")
        ordering = ["corporation_number"]
        verbose_name = _("SalesOne lead")

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
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="salesone_import_jobs", verbose_name=_("user")
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED, verbose_name=_("status"))
    # The companies to import, resolved when the job was asked for (a filter is not re-run later).
    corporation_numbers = ArrayField(
        models.CharField(max_length=13), default=list, verbose_name=_("corporation numbers")
    )
    total = models.PositiveIntegerField(default=0, verbose_name=_("total"))
    processed = models.PositiveIntegerField(default=0, verbose_name=_("processed"))
    created = models.PositiveIntegerField(default=0, verbose_name=_("created"))
    skipped = models.PositiveIntegerField(default=0, verbose_name=_("skipped"))
    not_found = models.PositiveIntegerField(default=0, verbose_name=_("not found"))
    lead_list = models.ForeignKey(
        "leads.LeadList",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="salesone_import_jobs",
        verbose_name=_("lead list"),
    )
    error = models.TextField(blank=True, default="", verbose_name=_("error"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))

    class Meta(BaseModel.Meta):
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return gettext("import of %(total)d companies (%(status)s)") % {
            "total": self.total,
            "status": self.get_status_display(),
        }

    @property
    def progress(self) -> float:
        """Percent of the companies processed, 0–100."""
        return round(100 * self.processed / self.total, 1) if self.total else 100.0
