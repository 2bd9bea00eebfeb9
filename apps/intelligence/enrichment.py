"""Enrichment: the providers (ordered by ENRICHMENT_PROVIDERS) and the run that applies them.

A provider fills only empty fields of a lead and records which field it filled (LeadFieldSource):
what the user typed is never overwritten. The NTS check is the exception: the business status is
the NTS's to say, never the user's, so it is always refreshed. Providers see a batch of leads at
once, so the NTS gets 100 numbers a call; a provider that fails is recorded on each run it touched,
and the next ones still run.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.leads.models import Lead
from apps.salesone_leads.fields import search_tokens
from apps.salesone_leads.models import SalesOneLead
from services.enrichment import nts
from services.enrichment.homepage import HomepageError, HomepageReader

from .models import EnrichmentRun, LeadFieldSource

logger = logging.getLogger(__name__)

# What the national DB may fill: lead field → SalesOne DB field.
SALESONE_FIELDS = {
    "corporation_number": "corporation_number",
    "business_number": "business_number",
    "owner": "owner",
    "email": "email",
    "phone": "phone",
    "homepage": "homepage",
    "employee": "employee",
    "revenue": "finance_revenue",
    "address": "address",
    "si_nm": "si_nm",
    "sgg_nm": "sgg_nm",
    "established_date": "established_date",
    "industry_id": "industry_id",
    "description": "description",
}
_NTS_STATUS = {
    nts.STATUS_ACTIVE: Lead.BusinessStatus.ACTIVE,
    nts.STATUS_SUSPENDED: Lead.BusinessStatus.SUSPENDED,
    nts.STATUS_CLOSED: Lead.BusinessStatus.CLOSED,
}


@dataclass
class LeadWork:
    """One lead being enriched, and what its run records."""

    lead: Lead
    run: EnrichmentRun
    changed: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    dirty: set[str] = field(default_factory=set)

    def fill(self, name: str, value, provider: str) -> None:
        """Set the field if it is empty (None, "", []) and the value is not."""
        if value in (None, "", []) or getattr(self.lead, name) not in (None, "", []):
            return
        self.set(name, value, provider)

    def set(self, name: str, value, provider: str) -> None:
        old = getattr(self.lead, name)
        if old == value:
            return
        setattr(self.lead, name, value)
        self.dirty.add(name)
        self.changed.append({"field": name, "provider": provider, "old": _json(old), "new": _json(value)})

    def fail(self, provider: str, error: str) -> None:
        self.errors.append({"provider": provider, "error": error})


def _json(value):
    return value.isoformat() if isinstance(value, dt.date) else value


class ProviderRegistry(dict[str, Callable[[list[LeadWork]], None]]):
    """Providers by the name ENRICHMENT_PROVIDERS gives them; a provider registers itself."""

    def register(self, name: str):
        def add(function):
            self[name] = function
            return function

        return add


PROVIDERS = ProviderRegistry()


# -- the national SalesOne DB --------------------------------------------------------------------


def normalised_name(name: str) -> str:
    """A company name without legal forms, punctuation and spaces: ``(주)넥스 트`` → ``넥스트``."""
    return "".join(search_tokens(name))


def salesone_match(lead: Lead) -> SalesOneLead | None:
    """The company by corporation number, else business number, else normalised name + region."""
    if lead.corporation_number:
        company = SalesOneLead.objects.filter(corporation_number=lead.corporation_number).first()
        if company:
            return company
    if lead.business_number:
        company = (
            SalesOneLead.objects.filter(business_number=lead.business_number).order_by("corporation_number").first()
        )
        if company:
            return company
    key = normalised_name(lead.name)
    if not key or not lead.si_nm:
        return None
    longest = max(search_tokens(lead.name), key=len)
    candidates = SalesOneLead.objects.filter(si_nm=lead.si_nm, name__contains=longest)
    if lead.sgg_nm:
        candidates = candidates.filter(sgg_nm=lead.sgg_nm)
    matches = [c for c in candidates.order_by("corporation_number")[:50] if normalised_name(c.name) == key]
    return matches[0] if len(matches) == 1 else None  # two companies of one name: no guess


def _number_free(lead: Lead, name: str, value: str) -> bool:
    """The user holds no other lead with this number (both are unique per user)."""
    return not Lead.objects.filter(user_id=lead.user_id, **{name: value}).exclude(pk=lead.pk).exists()


@PROVIDERS.register("salesone_db")
def enrich_from_salesone_db(work: list[LeadWork]) -> None:
    for item in work:
        company = salesone_match(item.lead)
        if company is None:
            continue
        for lead_field, company_field in SALESONE_FIELDS.items():
            value = getattr(company, company_field)
            is_number = lead_field in ("corporation_number", "business_number")
            if is_number and value and not _number_free(item.lead, lead_field, value):
                continue
            item.fill(lead_field, value, "salesone_db")


# -- the NTS business status ---------------------------------------------------------------------


def nts_quota_take(calls: int) -> bool:
    """Count ``calls`` against today's NTS_DAILY_QUOTA (Asia/Seoul day, in Redis); False if over it."""
    key = f"intelligence:nts-calls:{timezone.localdate():%Y%m%d}"
    cache.add(key, 0, timeout=2 * 24 * 3600)
    used = cache.incr(key, calls)
    if used > settings.NTS_DAILY_QUOTA:
        cache.decr(key, calls)
        return False
    return True


def nts_client() -> nts.NtsClient:
    return nts.NtsClient(
        base_url=settings.NTS_API_URL,
        service_key=settings.NTS_SERVICE_KEY,
        timeout=settings.NTS_TIMEOUT,
        retries=settings.NTS_RETRIES,
        backoff=settings.NTS_BACKOFF,
    )


def apply_business_status(item: LeadWork, status: nts.BusinessStatus, now) -> None:
    item.set("business_status", _NTS_STATUS.get(status.status_code, Lead.BusinessStatus.UNREGISTERED), "nts")
    closed_on = dt.datetime.strptime(status.end_date, "%Y%m%d").date() if status.end_date else None
    item.set("business_closed_on", closed_on, "nts")
    item.set("tax_type", status.tax_type[:100], "nts")
    item.lead.business_status_checked_at = now
    item.dirty.add("business_status_checked_at")


@PROVIDERS.register("nts")
def check_business_status(work: list[LeadWork]) -> None:
    checked = [item for item in work if len(item.lead.business_number) == 10 and item.lead.business_number.isdigit()]
    if not checked:
        return
    if not settings.NTS_SERVICE_KEY:
        logger.info("NTS_SERVICE_KEY is not set: business status not checked for %d leads", len(checked))
        return
    client = nts_client()
    now = timezone.now()
    for batch in nts.batches(checked):
        if not nts_quota_take(1):
            for item in batch:
                item.fail("nts", "The NTS daily quota (NTS_DAILY_QUOTA) is used up; checked again tomorrow.")
            continue
        try:
            found = client.statuses([item.lead.business_number for item in batch])
        except nts.NtsError as exc:
            for item in batch:
                item.fail("nts", str(exc))
            continue
        for item in batch:
            status = found.get(item.lead.business_number)
            if status is None:
                item.fail("nts", "The NTS answer left this business number out.")
            else:
                apply_business_status(item, status, now)


# -- the homepage --------------------------------------------------------------------------------


def homepage_url(lead: Lead) -> str:
    homepage = lead.homepage
    if isinstance(homepage, str):
        return homepage.strip()
    if isinstance(homepage, list) and homepage and isinstance(homepage[0], str):
        return homepage[0].strip()
    return ""


@PROVIDERS.register("homepage")
def read_homepage(work: list[LeadWork]) -> None:
    reader = HomepageReader(
        timeout=settings.HOMEPAGE_TIMEOUT,
        max_bytes=settings.HOMEPAGE_MAX_BYTES,
        user_agent=settings.HOMEPAGE_USER_AGENT,
        allowed_hosts=settings.HOMEPAGE_ALLOWED_HOSTS,
    )
    for item in work:
        url = homepage_url(item.lead)
        if not url:
            continue
        try:
            facts = reader.read(url)
        except HomepageError as exc:
            item.fail("homepage", str(exc))
            continue
        item.fill("description", facts.description or facts.title, "homepage")
        item.fill("email", facts.emails[0] if facts.emails else "", "homepage")
        item.fill("phone", facts.phones[0][:20] if facts.phones else "", "homepage")


# -- runs ----------------------------------------------------------------------------------------


def enrichment_runs_create(*, user_id, lead_ids, trigger: str) -> list[EnrichmentRun]:
    """Queued runs for these leads of the user (another user's ids are ignored); one INSERT."""
    ids = list(Lead.objects.filter(user_id=user_id, pk__in=list(lead_ids)).values_list("pk", flat=True))
    return EnrichmentRun.objects.bulk_create(
        [EnrichmentRun(user_id=user_id, lead_id=lead_id, trigger=trigger) for lead_id in ids]
    )


def _claim(run_ids, providers: list[str]) -> list[EnrichmentRun]:
    """Queued runs → running, atomically: a redelivered task finds them taken and does nothing."""
    with transaction.atomic():
        runs = list(
            EnrichmentRun.objects.select_for_update(skip_locked=True)
            .filter(pk__in=list(run_ids), status=EnrichmentRun.Status.QUEUED)
            .select_related("lead")
        )
        now = timezone.now()
        for run in runs:
            run.status = EnrichmentRun.Status.RUNNING
            run.started_at = now
            run.providers = list(providers)
        EnrichmentRun.objects.bulk_update(runs, ["status", "started_at", "providers"])
    return runs


def _save(item: LeadWork, now) -> None:
    run, lead = item.run, item.lead
    try:
        with transaction.atomic():
            lead.enriched_at = now
            Lead.objects.filter(pk=lead.pk).update(
                **{name: getattr(lead, name) for name in item.dirty | {"enriched_at"}}, updated_at=now
            )
            for change in item.changed:
                if change["provider"] != "nts":  # the status is the NTS's own field, not a filled gap
                    LeadFieldSource.objects.update_or_create(
                        lead=lead,
                        field=change["field"],
                        defaults={"provider": change["provider"], "filled_at": now, "run": run},
                    )
    except IntegrityError as exc:  # the user took a number meanwhile: nothing of this lead is saved
        item.changed = []
        item.fail("save", f"The lead changed meanwhile: {exc.__class__.__name__}")
    run.fields_changed = item.changed
    run.errors = item.errors
    run.finished_at = now
    if not item.errors:
        run.status = EnrichmentRun.Status.SUCCEEDED
    else:
        run.status = EnrichmentRun.Status.PARTIAL if item.changed else EnrichmentRun.Status.FAILED
    run.save(update_fields=["fields_changed", "errors", "finished_at", "status", "updated_at"])


def enrichment_runs_execute(*, run_ids, providers: list[str] | None = None) -> list[EnrichmentRun]:
    """Run every provider (ENRICHMENT_PROVIDERS unless given) over the claimed runs' leads, then save
    each lead and its run."""
    providers = list(settings.ENRICHMENT_PROVIDERS if providers is None else providers)
    runs = _claim(run_ids, providers)
    work = [LeadWork(lead=run.lead, run=run) for run in runs]
    if not work:
        return []
    for name in providers:
        enrich = PROVIDERS.get(name)
        if enrich is None:
            for item in work:
                item.fail(name, "No such enrichment provider.")
            continue
        try:
            enrich(work)
        except Exception as exc:  # one provider's bug must not lose the others' work
            logger.exception("enrichment provider %s failed", name)
            for item in work:
                item.fail(name, f"{exc.__class__.__name__}: {exc}")
    now = timezone.now()
    for item in work:
        _save(item, now)
    return runs
