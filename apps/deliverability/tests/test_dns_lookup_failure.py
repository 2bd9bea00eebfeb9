"""A name server that fails is reported as a failed lookup, never as a missing record."""

from apps.deliverability.tests import zones
from conftest import client_for


def test_servfail_is_a_lookup_error_not_a_missing_dmarc_record(dns_zone, settings, user):
    dns_zone.load(zones.GOOD_SENDGRID)
    dns_zone.servfail.add("_dmarc.good.example.kr")
    settings.DEFAULT_FROM_EMAIL = "SalesOne <sales@good.example.kr>"
    settings.EMAIL_PROVIDERS = ["sendgrid"]

    good = client_for(user).post("/api/sender-domains/check/").json()[0]

    assert good["dmarc_status"] == "error"
    assert good["status"] == "error"
    assert good["fixes"] == []  # nothing to fix is known
    assert any("The DNS lookup failed" in warning for warning in good["warnings"])
    assert (good["spf_status"], good["dkim_status"]) == ("pass", "pass")
