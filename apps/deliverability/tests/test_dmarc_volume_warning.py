"""A domain without DMARC that sends more than the bulk-sender volume a day is warned."""

import datetime

import time_machine
from django.utils import timezone

from apps.campaigns.models import Campaign, CampaignLeadResult
from apps.campaigns.tests.factories import CampaignFactory
from apps.deliverability.tests import zones
from conftest import client_for

NOW = datetime.datetime(2026, 3, 2, 1, 0, tzinfo=datetime.UTC)


def _sent(campaign, count, at):
    CampaignLeadResult.objects.bulk_create(
        CampaignLeadResult(
            campaign=campaign, email=f"r{i}@example.com", status="sent", sent=True, sent_at=at, lead=None
        )
        for i in range(count)
    )


@time_machine.travel(NOW, tick=False)
def test_bulk_volume_without_dmarc_is_warned(dns_zone, settings, user):
    dns_zone.load(zones.BARE)
    settings.DEFAULT_FROM_EMAIL = "SalesOne <sales@bare.example.kr>"
    settings.EMAIL_PROVIDERS = ["sendgrid"]
    settings.DELIVERABILITY_DMARC_REQUIRED_DAILY_VOLUME = 5
    campaign = CampaignFactory(user=user, status=Campaign.Status.IN_PROGRESS, last_progress_at=NOW)
    _sent(campaign, 6, NOW - datetime.timedelta(hours=3))
    _sent(campaign, 10, NOW - datetime.timedelta(days=2))  # outside the last day

    bare = client_for(user).post("/api/sender-domains/check/").json()[0]

    assert bare["sent_last_day"] == 6
    assert bare["warnings"][0] == (
        "bare.example.kr sent 6 messages in the last day without a DMARC record: Gmail and Yahoo "
        "reject or junk bulk mail (over 5 a day) from such domains."
    )


@time_machine.travel(NOW, tick=False)
def test_volume_under_the_limit_is_not_warned(dns_zone, settings, user):
    dns_zone.load(zones.BARE)
    settings.DEFAULT_FROM_EMAIL = "SalesOne <sales@bare.example.kr>"
    settings.EMAIL_PROVIDERS = ["sendgrid"]
    settings.DELIVERABILITY_DMARC_REQUIRED_DAILY_VOLUME = 5
    campaign = CampaignFactory(user=user, status=Campaign.Status.COMPLETED, completed_at=timezone.now())
    _sent(campaign, 5, NOW - datetime.timedelta(hours=3))

    bare = client_for(user).post("/api/sender-domains/check/").json()[0]

    assert bare["sent_last_day"] == 5
    assert not any("without a DMARC record" in warning for warning in bare["warnings"])
