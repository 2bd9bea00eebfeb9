"""POST /api/sender-domains/check/ looks up SPF, DKIM and DMARC of every sending domain and says what to fix."""

import datetime

import time_machine
from django.utils import timezone

from apps.deliverability.tests import zones
from conftest import client_for


def _by_domain(response):
    return {row["domain"]: row for row in response.json()}


@time_machine.travel(datetime.datetime(2026, 3, 2, 1, 0, tzinfo=datetime.UTC), tick=False)
def test_sendgrid_domain_with_every_record_passes(dns_zone, settings, user):
    dns_zone.load(zones.GOOD_SENDGRID)
    settings.DEFAULT_FROM_EMAIL = "SalesOne <sales@good.example.kr>"
    settings.EMAIL_PROVIDERS = ["sendgrid"]

    response = client_for(user).post("/api/sender-domains/check/")

    assert response.status_code == 200
    good = _by_domain(response)["good.example.kr"]
    assert good["status"] == "pass", good
    assert (good["spf_status"], good["dkim_status"], good["dmarc_status"]) == ("pass", "pass", "pass")
    assert good["spf_record"] == "v=spf1 include:sendgrid.net ~all"
    assert [(r["name"], r["value"], r["ok"]) for r in good["dkim_records"]] == [
        ("s1._domainkey.good.example.kr", "s1.domainkey.u1234.wl.sendgrid.net", True),
        ("s2._domainkey.good.example.kr", "s2.domainkey.u1234.wl.sendgrid.net", True),
    ]
    assert good["dmarc_policy"] == "quarantine"
    assert good["fixes"] == [] and good["warnings"] == []
    assert good["checked_at"] == "2026-03-02T01:00:00.000000Z"
    assert good["providers"] == ["sendgrid"]


def test_domain_without_records_gets_each_fix(dns_zone, settings, user):
    dns_zone.load(zones.BARE)
    settings.DEFAULT_FROM_EMAIL = "SalesOne <sales@bare.example.kr>"
    settings.EMAIL_PROVIDERS = ["sendgrid"]

    response = client_for(user).post("/api/sender-domains/check/")

    bare = _by_domain(response)["bare.example.kr"]
    assert bare["status"] == "fail"
    assert (bare["spf_status"], bare["dkim_status"], bare["dmarc_status"]) == ("fail", "fail", "fail")
    fixes = "\n".join(bare["fixes"])
    assert "Add include:sendgrid.net to the SPF record at bare.example.kr" in fixes
    assert "Add the CNAME s1._domainkey.bare.example.kr" in fixes
    assert "Add the CNAME s2._domainkey.bare.example.kr" in fixes
    assert 'TXT at _dmarc.bare.example.kr "v=DMARC1; p=none' in fixes
    # The stored verdict is what GET shows afterwards.
    detail = client_for(user).get(f"/api/sender-domains/{bare['id']}/").json()
    assert detail["fixes"] == bare["fixes"]


def test_mailgun_domain_has_its_dkim_key_and_the_parents_dmarc(dns_zone, settings, user):
    dns_zone.load(zones.GOOD_SENDGRID + zones.MAILGUN_SUBDOMAIN)
    settings.DEFAULT_FROM_EMAIL = "SalesOne <sales@good.example.kr>"
    settings.EMAIL_PROVIDERS = ["mailgun", "sendgrid"]
    settings.MAILGUN_DOMAIN = "mg.good.example.kr"

    domains = _by_domain(client_for(user).post("/api/sender-domains/check/"))

    assert domains["good.example.kr"]["providers"] == ["sendgrid"]
    mailgun = domains["mg.good.example.kr"]
    assert mailgun["providers"] == ["mailgun"]
    assert mailgun["status"] == "pass", mailgun
    assert mailgun["dkim_records"][0]["name"] == "smtp._domainkey.mg.good.example.kr"
    assert mailgun["dmarc_record"].startswith("v=DMARC1; p=quarantine")


def test_one_domain_is_checked_again_on_demand(dns_zone, settings, user):
    dns_zone.load(zones.BARE)
    settings.DEFAULT_FROM_EMAIL = "SalesOne <sales@bare.example.kr>"
    settings.EMAIL_PROVIDERS = ["sendgrid"]
    client = client_for(user)
    bare = client.post("/api/sender-domains/check/").json()[0]
    assert bare["dmarc_status"] == "fail"

    dns_zone.load(zones.BARE + '_dmarc.bare.example.kr. 300 IN TXT "v=DMARC1; p=none"\n')
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=10)):
        again = client.post(f"/api/sender-domains/{bare['id']}/check/").json()

    assert again["dmarc_status"] == "warning"
    assert any("p=none (monitoring only)" in w for w in again["warnings"])
    assert again["checked_at"] > bare["checked_at"]
