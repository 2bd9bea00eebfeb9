"""The national SalesOne DB fills a lead's empty fields, says which, and never overwrites the user's."""

import pytest

from apps.intelligence.models import EnrichmentRun, LeadFieldSource
from apps.leads.tests.factories import LeadFactory
from apps.salesone_leads.tests.factories import SalesOneLeadFactory

from .helpers import enrich_now

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("national_db_only")]


def bare_lead(user, **fields):
    empty = {
        "corporation_number": "",
        "business_number": "",
        "owner": "",
        "email": "",
        "phone": "",
        "homepage": [],
        "employee": None,
        "revenue": None,
        "address": "",
        "si_nm": "",
        "sgg_nm": "",
    }
    return LeadFactory(user=user, **{**empty, **fields})


def test_match_by_corporation_number_fills_only_empty_fields(user):
    company = SalesOneLeadFactory(owner="김민준", email="info@hangyeol.co.kr", employee=42, finance_revenue=9_000_000)
    lead = bare_lead(user, name="한결", corporation_number=company.corporation_number, email="me@typed.kr")
    (run,) = enrich_now([lead])
    assert run.status == EnrichmentRun.Status.SUCCEEDED
    assert lead.owner == "김민준"
    assert lead.employee == 42 and lead.revenue == 9_000_000
    assert lead.business_number == company.business_number
    assert lead.email == "me@typed.kr"  # the user's, kept
    changed = {change["field"] for change in run.fields_changed}
    assert "email" not in changed and {"owner", "employee", "revenue", "business_number"} <= changed
    sources = dict(LeadFieldSource.objects.filter(lead=lead).values_list("field", "provider"))
    assert sources["owner"] == "salesone_db" and "email" not in sources
    assert lead.enriched_at is not None


def test_match_by_business_number_when_no_corporation_number(user):
    company = SalesOneLeadFactory(owner="박서연")
    lead = bare_lead(user, name="무엇이든", business_number=company.business_number)
    enrich_now([lead])
    assert lead.corporation_number == company.corporation_number
    assert lead.owner == "박서연"


def test_match_by_normalised_name_and_region(user):
    SalesOneLeadFactory(name="주식회사 넥스트솔루션", si_nm="경기도", sgg_nm="성남시", owner="이도윤")
    lead = bare_lead(user, name="(주) 넥스트 솔루션", si_nm="경기도")
    enrich_now([lead])
    assert lead.owner == "이도윤"
    assert lead.sgg_nm == "성남시"


def test_same_name_in_another_region_is_not_a_match(user):
    SalesOneLeadFactory(name="주식회사 넥스트솔루션", si_nm="부산광역시", owner="이도윤")
    lead = bare_lead(user, name="넥스트솔루션", si_nm="경기도")
    (run,) = enrich_now([lead])
    assert lead.owner == "" and run.fields_changed == []


def test_two_companies_of_one_name_are_no_guess(user):
    SalesOneLeadFactory(name="주식회사 한빛", si_nm="서울특별시", owner="가")
    SalesOneLeadFactory(name="한빛 주식회사", si_nm="서울특별시", owner="나")
    lead = bare_lead(user, name="한빛", si_nm="서울특별시")
    enrich_now([lead])
    assert lead.owner == ""


def test_a_number_the_user_holds_on_another_lead_is_not_copied(user):
    company = SalesOneLeadFactory()
    LeadFactory(user=user, business_number=company.business_number)
    lead = bare_lead(user, name="x", corporation_number=company.corporation_number)
    (run,) = enrich_now([lead])
    assert lead.business_number == ""
    assert run.status == EnrichmentRun.Status.SUCCEEDED
