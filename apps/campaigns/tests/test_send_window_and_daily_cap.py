"""The sending window (Asia/Seoul) holds chunks back; the per-user daily cap stops at its limit."""

import datetime as dt
import zoneinfo

import pytest
import time_machine

from apps.campaigns.models import CampaignLeadResult
from apps.campaigns.services import campaign_start, campaigns_reconcile
from apps.campaigns.tasks import send_campaign_chunk

from .factories import CampaignFactory, LeadFactory, lead_list_with

pytestmark = pytest.mark.django_db
SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")
R = CampaignLeadResult.Status


def test_outside_the_window_nothing_is_sent_until_it_opens(user, fake_sendgrid, send):
    leads = [LeadFactory(user=user) for _ in range(2)]
    campaign = CampaignFactory(
        user=user,
        leadlists=[lead_list_with(user, leads)],
        send_window_start=dt.time(9, 0),
        send_window_end=dt.time(18, 0),
    )
    with time_machine.travel(dt.datetime(2026, 5, 4, 7, 30, tzinfo=SEOUL)):
        send(campaign_start, campaign=campaign)
        assert fake_sendgrid.received_count == 0
        assert campaign.results.filter(status=R.PENDING).count() == 2
    with time_machine.travel(dt.datetime(2026, 5, 4, 9, 5, tzinfo=SEOUL)):
        send(campaigns_reconcile)
    assert fake_sendgrid.received_count == 2


def test_window_across_midnight(user, fake_sendgrid, send):
    from apps.campaigns.email_sender import in_send_window

    campaign = CampaignFactory(user=user, send_window_start=dt.time(22, 0), send_window_end=dt.time(6, 0))
    assert in_send_window(campaign, now=dt.datetime(2026, 5, 4, 23, 0, tzinfo=SEOUL))
    assert in_send_window(campaign, now=dt.datetime(2026, 5, 5, 5, 59, tzinfo=SEOUL))
    assert not in_send_window(campaign, now=dt.datetime(2026, 5, 5, 12, 0, tzinfo=SEOUL))


def test_daily_cap_stops_sending_and_the_next_day_continues(user, fake_sendgrid, settings, send):
    settings.CAMPAIGN_USER_DAILY_CAP = 3
    leads = [LeadFactory(user=user) for _ in range(5)]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])
    with time_machine.travel(dt.datetime(2026, 5, 4, 10, 0, tzinfo=SEOUL)):
        send(campaign_start, campaign=campaign)
        assert fake_sendgrid.received_count == 3
        send(send_campaign_chunk, str(campaign.pk), 0)
        assert fake_sendgrid.received_count == 3
    with time_machine.travel(dt.datetime(2026, 5, 5, 10, 0, tzinfo=SEOUL)):
        send(campaigns_reconcile)
    assert fake_sendgrid.received_count == 5
    assert not fake_sendgrid.duplicates()


def test_a_quota_give_back_that_fails_leaves_no_row_claimed_or_unknown(
    user, fake_sendgrid, settings, send, monkeypatch
):
    """Giving unused sends back to the daily cap after the claim is best effort: Redis failing there
    must not leave the claimed rows 'sending' (the reconcile job would call them outcome unknown
    although no provider was ever called)."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    from apps.campaigns import email_sender

    def redis_gone(**kwargs):
        raise RedisConnectionError("Redis went away")

    settings.CAMPAIGN_USER_DAILY_CAP = 1000
    monkeypatch.setattr(email_sender, "daily_quota_return", redis_gone)
    leads = [LeadFactory(user=user) for _ in range(3)]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])

    send(campaign_start, campaign=campaign)

    assert fake_sendgrid.received_count == 3 and not fake_sendgrid.duplicates()
    assert sorted(campaign.results.values_list("status", flat=True)) == [R.SENT] * 3
