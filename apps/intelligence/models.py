"""Enrichment runs and the provenance of each field they filled, the user's ideal-customer profile,
and duplicate suggestions. The facts themselves live on the lead (apps/leads: business_status, score)."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.models import BaseModel


class EnrichmentRun(BaseModel):
    """One enrichment of one lead: which providers ran, which fields they changed, what failed."""

    class Trigger(models.TextChoices):
        CREATED = "created", _("Lead created or imported")
        MANUAL = "manual", _("On demand")
        SCHEDULED = "scheduled", _("Scheduled (stale lead)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        PARTIAL = "partial", _("Partly failed")
        FAILED = "failed", _("Failed")

    FINISHED = (Status.SUCCEEDED, Status.PARTIAL, Status.FAILED)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrichment_runs", verbose_name=_("user")
    )
    lead = models.ForeignKey(
        "leads.Lead", on_delete=models.CASCADE, related_name="enrichment_runs", verbose_name=_("lead")
    )
    trigger = models.CharField(max_length=20, choices=Trigger.choices, verbose_name=_("trigger"))
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.QUEUED, db_index=True, verbose_name=_("status")
    )
    providers = ArrayField(models.CharField(max_length=30), default=list, blank=True, verbose_name=_("providers"))
    # [{"field", "provider", "old", "new"}]: what this run changed on the lead.
    fields_changed = models.JSONField(default=list, blank=True, verbose_name=_("fields changed"))
    # [{"provider", "error"}]: a provider that failed; the others still ran.
    errors = models.JSONField(default=list, blank=True, verbose_name=_("errors"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))

    class Meta(BaseModel.Meta):
        verbose_name = _("enrichment run")
        verbose_name_plural = _("enrichment runs")
        indexes = [models.Index(fields=["user", "-created_at"]), models.Index(fields=["lead", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.lead_id} {self.get_trigger_display()} ({self.get_status_display()})"


class LeadFieldSource(BaseModel):
    """Which provider filled a field of a lead, and when: a field with a row here was empty before
    (enrichment never overwrites what the user typed); a field without one is the user's."""

    lead = models.ForeignKey(
        "leads.Lead", on_delete=models.CASCADE, related_name="field_sources", verbose_name=_("lead")
    )
    field = models.CharField(max_length=50, verbose_name=_("field"))
    provider = models.CharField(max_length=30, verbose_name=_("provider"))
    filled_at = models.DateTimeField(verbose_name=_("filled at"))
    run = models.ForeignKey(
        EnrichmentRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("run")
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("field source")
        verbose_name_plural = _("field sources")
        constraints = [models.UniqueConstraint(fields=["lead", "field"], name="intelligence_one_source_per_field")]

    def __str__(self) -> str:
        return f"{self.field} ← {self.provider}"


class IdealCustomerProfile(BaseModel):
    """The companies a user sells to: the fit half of the lead score (scoring.py). An empty criterion
    scores nothing (it says nothing about fit)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="ideal_customer_profile",
        verbose_name=_("user"),
    )
    industry_codes = ArrayField(
        models.CharField(max_length=20),
        default=list,
        blank=True,
        verbose_name=_("industry codes"),
        help_text=_("KSIC codes or their prefixes, e.g. J62 for every software company."),
    )
    regions = ArrayField(
        models.CharField(max_length=50),
        default=list,
        blank=True,
        verbose_name=_("regions"),
        help_text=_("Provinces/cities (si_nm), e.g. 서울특별시."),
    )
    revenue_min = models.BigIntegerField(null=True, blank=True, verbose_name=_("minimum revenue"))
    revenue_max = models.BigIntegerField(null=True, blank=True, verbose_name=_("maximum revenue"))
    employee_min = models.IntegerField(null=True, blank=True, verbose_name=_("minimum employees"))
    employee_max = models.IntegerField(null=True, blank=True, verbose_name=_("maximum employees"))

    class Meta(BaseModel.Meta):
        verbose_name = _("ideal customer profile")
        verbose_name_plural = _("ideal customer profiles")

    def __str__(self) -> str:
        return str(self.user)


class LeadHygiene(BaseModel):
    """The data problems the nightly hygiene check found on one lead (hygiene.py); none: ``issues`` []."""

    lead = models.OneToOneField("leads.Lead", on_delete=models.CASCADE, related_name="hygiene", verbose_name=_("lead"))
    # [{"field", "code", "message"}]; codes: hygiene.ISSUE_CODES.
    issues = models.JSONField(default=list, blank=True, verbose_name=_("issues"))
    checked_at = models.DateTimeField(verbose_name=_("checked at"))

    class Meta(BaseModel.Meta):
        verbose_name = _("lead hygiene")
        verbose_name_plural = _("lead hygiene")

    def __str__(self) -> str:
        return f"{self.lead_id}: {len(self.issues)}"


class DuplicateSuggestion(BaseModel):
    """Two leads of one user that look like one company; merged or dismissed by the user."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        MERGED = "merged", _("Merged")
        DISMISSED = "dismissed", _("Dismissed")

    class Rule(models.TextChoices):
        """Why the two leads look like one company (hygiene.duplicates_suggest)."""

        SAME_CORPORATION_NUMBER = "same_corporation_number", _("Same corporation number")
        SAME_BUSINESS_NUMBER = "same_business_number", _("Same business number")
        # One lead's corporation number and the other's business number are one company in the SalesOne DB.
        NUMBERS_OF_ONE_COMPANY = "numbers_of_one_company", _("Corporation and business number of one company")
        SAME_NAME_AND_REGION = "same_name_and_region", _("Same name and region")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="duplicate_suggestions", verbose_name=_("user")
    )
    # lead_a is the older of the two; a merge deletes one, and the suggestion stays as its record.
    lead_a = models.ForeignKey(
        "leads.Lead", on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("lead A")
    )
    lead_b = models.ForeignKey(
        "leads.Lead", on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("lead B")
    )
    rule = models.CharField(
        max_length=30, choices=Rule.choices, default=Rule.SAME_NAME_AND_REGION, verbose_name=_("rule")
    )
    reason = models.CharField(max_length=200, verbose_name=_("reason"))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN, verbose_name=_("status"))

    class Meta(BaseModel.Meta):
        verbose_name = _("duplicate suggestion")
        verbose_name_plural = _("duplicate suggestions")
        constraints = [
            models.UniqueConstraint(fields=["lead_a", "lead_b"], name="intelligence_one_suggestion_per_pair")
        ]
        indexes = [models.Index(fields=["user", "status"])]

    def __str__(self) -> str:
        return f"{self.lead_a_id} ~ {self.lead_b_id} ({self.status})"


class LeadScore(models.Model):
    """The terms of a lead's score (scoring.py writes every row in one statement; ``Lead.score`` holds
    the number for the list). Keyed by the lead: one row per lead, no id of its own."""

    lead = models.OneToOneField(
        "leads.Lead", on_delete=models.CASCADE, primary_key=True, related_name="score_terms", verbose_name=_("lead")
    )
    score = models.PositiveSmallIntegerField(verbose_name=_("score"))
    # Arrays, not jsonb (2026-12-06): the nightly rescoring compares 100k rows' terms with the new ones,
    # and building jsonb (timestamps formatted as text) and comparing it was a third of its time.
    # Each term's points, in scoring.TERMS order.
    points = ArrayField(models.SmallIntegerField(), default=list, verbose_name=_("points"))
    # The count and latest time of the events behind each event term, in scoring.EVENT_TERMS order.
    event_counts = ArrayField(models.IntegerField(), default=list, verbose_name=_("event counts"))
    event_last_at = ArrayField(models.DateTimeField(null=True), default=list, verbose_name=_("latest events"))
    scored_at = models.DateTimeField(verbose_name=_("scored at"))

    class Meta:
        verbose_name = _("lead score")
        verbose_name_plural = _("lead scores")

    def __str__(self) -> str:
        return f"{self.lead_id}: {self.score}"
