"""The NTS check flags closed and suspended companies, 100 numbers a call, within the daily quota."""

import datetime as dt

import pytest

from apps.intelligence.models import EnrichmentRun
from apps.leads.models import Lead
from apps.leads.tests.factories import LeadFactory

from .helpers import enrich_now

pytestmark = pytest.mark.django_db


def test_closed_suspended_and_active_companies(user, fake_nts):
    active, suspended, closed = LeadFactory.create_batch(3, user=user)
    fake_nts.statuses = {active.business_number: "01", suspended.business_number: "02", closed.business_number: "03"}
    fake_nts.end_dates = {closed.business_number: "20250630"}
    runs = enrich_now([active, suspended, closed])
    assert [lead.business_status for lead in (active, suspended, closed)] == ["active", "suspended", "closed"]
    assert closed.business_closed_on == dt.date(2025, 6, 30)
    assert closed.is_inactive_business and suspended.is_inactive_business and not active.is_inactive_business
    assert all(run.status == EnrichmentRun.Status.SUCCEEDED for run in runs)
    assert {"field": "business_status", "provider": "nts", "old": "", "new": "closed"} in runs[2].fields_changed
    assert len(fake_nts.requests) == 1
    assert set(fake_nts.requests[0]) == {active.business_number, suspended.business_number, closed.business_number}


def test_a_number_the_nts_does_not_know_is_unregistered(user, fake_nts):
    lead = LeadFactory(user=user)
    enrich_now([lead])
    assert lead.business_status == Lead.BusinessStatus.UNREGISTERED


def test_250_leads_are_checked_in_three_calls(user, fake_nts):
    leads = LeadFactory.create_batch(250, user=user, homepage=[])
    enrich_now(leads)
    assert [len(batch) for batch in fake_nts.requests] == [100, 100, 50]
    assert Lead.objects.filter(user=user, business_status="unregistered").count() == 250


def test_over_the_daily_quota_the_check_waits_and_the_run_says_why(user, fake_nts, settings):
    settings.NTS_DAILY_QUOTA = 1
    first, second = LeadFactory.create_batch(2, user=user)
    enrich_now([first])
    (run,) = enrich_now([second])
    assert second.business_status == ""
    assert run.errors == [
        {"provider": "nts", "error": "The NTS daily quota (NTS_DAILY_QUOTA) is used up; checked again tomorrow."}
    ]
    assert len(fake_nts.requests) == 1


def test_an_nts_outage_fails_that_provider_only(user, fake_nts, settings):
    settings.NTS_RETRIES = 1
    fake_nts.script = [503, 503]
    lead = LeadFactory(user=user, owner="")
    from apps.salesone_leads.tests.factories import SalesOneLeadFactory

    SalesOneLeadFactory(corporation_number=lead.corporation_number, owner="최지우")
    (run,) = enrich_now([lead])
    assert run.status == EnrichmentRun.Status.PARTIAL
    assert lead.owner == "최지우"  # the national DB still filled it
    assert run.errors[0]["provider"] == "nts" and "503" in run.errors[0]["error"]


def test_without_a_key_the_check_is_skipped(user, fake_nts, settings):
    settings.NTS_SERVICE_KEY = ""
    lead = LeadFactory(user=user)
    (run,) = enrich_now([lead])
    assert lead.business_status == "" and fake_nts.requests == []
    assert run.status == EnrichmentRun.Status.SUCCEEDED
