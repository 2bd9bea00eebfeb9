"""manage.py check_sender_domains checks every sending domain now and prints what to fix."""

from io import StringIO

from django.core.management import call_command

from apps.deliverability.tests import zones


def test_command_prints_each_domain_and_its_fixes(dns_zone, settings, db):
    dns_zone.load(zones.GOOD_SENDGRID + zones.BARE)
    settings.DEFAULT_FROM_EMAIL = "SalesOne <sales@good.example.kr>"
    settings.EMAIL_PROVIDERS = ["sendgrid"]
    settings.DELIVERABILITY_EXTRA_SENDER_DOMAINS = ["bare.example.kr"]
    out = StringIO()

    call_command("check_sender_domains", stdout=out)

    lines = out.getvalue().splitlines()
    assert "good.example.kr: pass" in lines
    assert "bare.example.kr: fail" in lines
    assert "  - Add include:sendgrid.net to the SPF record at bare.example.kr so sendgrid may send for it." in lines
