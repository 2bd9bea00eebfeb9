"""The hygiene check: check digits, e-mail syntax, domains without MX (a loopback DNS server), phone
numbers; a resolver that is down skips the MX check with a log line; GET /api/leads/{id}/hygiene/."""

import logging

import pytest
from dnslib.zoneresolver import ZoneResolver

from apps.intelligence.hygiene import leads_check_hygiene
from apps.intelligence.models import LeadHygiene
from apps.leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

ZONE = """
mail-ok.kr. 60 IN MX 10 mx.mail-ok.kr.
mx.mail-ok.kr. 60 IN A 203.0.113.10
no-mx.kr. 60 IN A 203.0.113.20
"""


def codes(lead) -> list[str]:
    return [issue["code"] for issue in LeadHygiene.objects.get(lead=lead).issues]


def test_a_clean_lead_has_no_issues(user, dns_zone):
    dns_zone.zone = ZoneResolver(ZONE)
    lead = LeadFactory(user=user, email="ceo@mail-ok.kr", phone="02-849-7976")
    leads_check_hygiene(lead_ids=[lead.pk])
    assert codes(lead) == []


def test_each_kind_of_problem_is_reported(user, dns_zone):
    dns_zone.zone = ZoneResolver(ZONE)
    bad_numbers = LeadFactory(user=user, business_number="1234567890", corporation_number="1101111234567")
    no_mx = LeadFactory(user=user, email="ceo@no-mx.kr")
    bad_syntax = LeadFactory(user=user, email="ceo@@mail-ok.kr")
    bad_phone = LeadFactory(user=user, email="a@mail-ok.kr", phone="12345")
    leads_check_hygiene(lead_ids=[bad_numbers.pk, no_mx.pk, bad_syntax.pk, bad_phone.pk])
    assert {"business_number_check_digit", "corporation_number_check_digit"} <= set(codes(bad_numbers))
    assert codes(no_mx) == ["email_domain_without_mx"]
    assert codes(bad_syntax) == ["email_syntax"]
    assert codes(bad_phone) == ["phone_format"]


def test_a_domain_is_looked_up_once(user, dns_zone):
    dns_zone.zone = ZoneResolver(ZONE)
    leads = [LeadFactory(user=user, email=f"user{n}@mail-ok.kr") for n in range(3)]
    leads_check_hygiene(lead_ids=[lead.pk for lead in leads])
    assert dns_zone.queries.count("mail-ok.kr") == 1


def test_a_resolver_that_is_down_skips_the_mx_check_with_a_log_line(user, dns_zone, caplog):
    dns_zone.down = True
    lead = LeadFactory(user=user, email="ceo@no-mx.kr")
    with caplog.at_level(logging.WARNING, logger="apps.intelligence.hygiene"):
        leads_check_hygiene(lead_ids=[lead.pk])
    assert codes(lead) == []  # never reported missing because the resolver was out
    assert "MX checks skipped for this run" in caplog.text


def test_the_hygiene_endpoint(auth_client, other_client, user, dns_zone):
    dns_zone.zone = ZoneResolver(ZONE)
    lead = LeadFactory(user=user, email="ceo@no-mx.kr")
    assert auth_client.get(f"/api/leads/{lead.pk}/hygiene/").status_code == 404  # not checked yet
    leads_check_hygiene(lead_ids=[lead.pk])
    body = auth_client.get(f"/api/leads/{lead.pk}/hygiene/").json()
    assert body["issues"][0]["code"] == "email_domain_without_mx" and "no-mx.kr" in body["issues"][0]["message"]
    assert other_client.get(f"/api/leads/{lead.pk}/hygiene/").status_code == 404
