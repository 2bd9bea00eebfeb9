"""Spam complaints over 7 days give each sending domain a rate: a warning at 0.1%, advertising campaigns
paused at 0.3% (through campaign_pause), shown in /api/sender-domains/{id}/."""

import datetime
import uuid

import pytest
import time_machine

from apps.campaigns.models import Campaign, CampaignLeadResult
from apps.campaigns.tests.factories import CampaignFactory
from apps.deliverability.models import SenderDomain
from apps.deliverability.tasks import update_complaint_rates
from apps.tracking.models import TrackingEvent
from conftest import client_for

NOW = datetime.datetime(2026, 3, 9, 3, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _domain(settings):
    settings.DEFAULT_FROM_EMAIL = "SalesOne <sales@good.example.kr>"
    settings.EMAIL_PROVIDERS = ["sendgrid"]
    settings.DELIVERABILITY_EXTRA_SENDER_DOMAINS = []
    settings.DELIVERABILITY_COMPLAINT_MIN_SENT = 1000


def _send(campaign, count, at):
    return CampaignLeadResult.objects.bulk_create(
        CampaignLeadResult(campaign=campaign, email=f"{uuid.uuid4().hex}@example.com", status="sent", sent_at=at)
        for _ in range(count)
    )


def _complain(results, at):
    for result in results:
        TrackingEvent.objects.create(
            result=result,
            campaign_id=result.campaign_id,
            kind=TrackingEvent.Kind.COMPLAINT,
            occurred_at=at,
            email=result.email,
            source=TrackingEvent.Source.SENDGRID,
            event_key=uuid.uuid4().hex,
        )


def _campaign(user, **kwargs):
    return CampaignFactory(user=user, status=Campaign.Status.IN_PROGRESS, last_progress_at=NOW, **kwargs)


@time_machine.travel(NOW, tick=False)
def test_one_complaint_in_a_thousand_warns_without_pausing(user):
    campaign = _campaign(user)
    results = _send(campaign, 1000, NOW - datetime.timedelta(days=2))
    _complain(results[:1], NOW - datetime.timedelta(days=1))
    _complain(results[1:3], NOW - datetime.timedelta(days=8))  # before the window

    update_complaint_rates.apply()

    domain = SenderDomain.objects.get(domain="good.example.kr")
    assert (domain.complaint_count, domain.complaint_sent, domain.complaint_level) == (1, 1000, "warning")
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.IN_PROGRESS


def test_three_in_a_thousand_pause_advertising_campaigns_only(user):
    with time_machine.travel(NOW, tick=False):
        advertising = _campaign(user, is_advertising=True)
        scheduled = CampaignFactory(user=user, status=Campaign.Status.SCHEDULED, is_advertising=True)
        personal = _campaign(user, is_advertising=False)
        results = _send(advertising, 600, NOW - datetime.timedelta(days=1)) + _send(
            personal, 400, NOW - datetime.timedelta(days=6)
        )
        _send(advertising, 5000, NOW - datetime.timedelta(days=8))  # sent before the window: not counted
        _complain(results[:3], NOW - datetime.timedelta(hours=5))
        _complain(results[:1], NOW - datetime.timedelta(hours=4))  # the same recipient twice counts once

        update_complaint_rates.apply()

    for campaign, status in ((advertising, "paused"), (scheduled, "paused"), (personal, "in_progress")):
        campaign.refresh_from_db()
        assert campaign.status == status, campaign
    # Not a pause by hand: the campaign says why (null would mean the user paused it).
    assert "good.example.kr" in advertising.paused_reason and "0.30%" in advertising.paused_reason
    assert personal.paused_reason is None

    domain = SenderDomain.objects.get(domain="good.example.kr")
    with time_machine.travel(NOW + datetime.timedelta(minutes=1), tick=False):
        body = client_for(user).get(f"/api/sender-domains/{domain.pk}/").json()
    assert body["complaint_rate"] == 0.003
    assert (body["complaint_count"], body["complaint_sent"], body["complaint_level"]) == (3, 1000, "paused")
    assert body["complaint_rate_updated_at"] == "2026-03-09T03:00:00.000000Z"
    paused = {row["campaign"]: row for row in body["paused_campaigns"]}
    assert set(paused) == {str(advertising.pk), str(scheduled.pk)}
    assert paused[str(advertising.pk)]["campaign_name"] == advertising.name
    assert paused[str(advertising.pk)]["paused_at"] == "2026-03-09T03:00:00.000000Z"


@time_machine.travel(NOW, tick=False)
def test_a_high_rate_over_few_messages_warns_but_pauses_nothing(user):
    campaign = _campaign(user)
    results = _send(campaign, 50, NOW - datetime.timedelta(days=1))
    _complain(results[:2], NOW - datetime.timedelta(hours=1))

    update_complaint_rates.apply()

    domain = SenderDomain.objects.get(domain="good.example.kr")
    assert (domain.complaint_rate, domain.complaint_level) == (0.04, "warning")
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.IN_PROGRESS
    assert not domain.pauses.exists()


def test_beat_updates_the_rates_every_quarter_hour(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["deliverability-complaint-rates"]
    assert entry["task"] == "apps.deliverability.tasks.update_complaint_rates"
    assert entry["schedule"].minute == {0, 15, 30, 45}
