"""The beat runs the domain check daily; the task adds the domains the settings send from and checks them."""

from django.conf import settings as django_settings

from apps.deliverability.models import SenderDomain
from apps.deliverability.tasks import check_sender_domains
from apps.deliverability.tests import zones


def test_beat_schedules_the_check_daily():
    entry = django_settings.CELERY_BEAT_SCHEDULE["deliverability-check-sender-domains"]
    assert entry["task"] == "apps.deliverability.tasks.check_sender_domains"
    assert entry["schedule"].hour == {3} and entry["schedule"].minute == {17}


def test_task_checks_the_domains_of_the_settings(dns_zone, settings, db):
    dns_zone.load(zones.GOOD_SENDGRID + zones.BARE)
    settings.DEFAULT_FROM_EMAIL = "SalesOne <sales@good.example.kr>"
    settings.EMAIL_PROVIDERS = ["sendgrid"]
    settings.DELIVERABILITY_EXTRA_SENDER_DOMAINS = ["bare.example.kr"]

    assert check_sender_domains.apply().get() == 2

    statuses = dict(SenderDomain.objects.values_list("domain", "status"))
    assert statuses == {"good.example.kr": "pass", "bare.example.kr": "fail"}
    asked = {name for name, _type in dns_zone.queries}
    assert {"s1._domainkey.bare.example.kr", "_dmarc.good.example.kr"} <= asked
