"""A mailbox's rolling caps and warm-up, shared by a campaign that sends from it."""

import datetime

import pytest
from django.utils import timezone

from apps.campaigns.models import CampaignLeadResult
from apps.campaigns.services import campaign_start
from apps.campaigns.tests.factories import CampaignFactory, LeadFactory, lead_list_with
from apps.mail.mailboxes import mailbox_daily_cap, mailbox_reserve
from apps.mail.models import Mailbox

pytestmark = pytest.mark.django_db


def make_mailbox(user, **caps) -> Mailbox:
    values = {"daily_cap": 100, "hourly_cap": 20, "warmup_start": 0, "warmup_step": 0}
    return Mailbox.objects.create(
        user=user, email="sales@seller.co.kr", warmup_started_on=datetime.date(2026, 12, 1), **{**values, **caps}
    )


def test_rolling_hour_and_day(user):
    mailbox = make_mailbox(user, daily_cap=30, hourly_cap=20)
    now = timezone.now()
    assert mailbox_reserve(mailbox_id=mailbox.pk, count=50, now=now) == 20
    assert mailbox_reserve(mailbox_id=mailbox.pk, count=5, now=now + datetime.timedelta(minutes=59)) == 0
    assert mailbox_reserve(mailbox_id=mailbox.pk, count=50, now=now + datetime.timedelta(minutes=61)) == 10
    assert mailbox_reserve(mailbox_id=mailbox.pk, count=50, now=now + datetime.timedelta(hours=23)) == 0
    assert mailbox_reserve(mailbox_id=mailbox.pk, count=50, now=now + datetime.timedelta(hours=24, minutes=1)) == 20


def test_warm_up_ramp(user):
    mailbox = make_mailbox(user, daily_cap=100, warmup_start=20, warmup_step=10)
    day = datetime.datetime(2026, 12, 1, 12, tzinfo=datetime.UTC)
    assert mailbox_daily_cap(mailbox, now=day) == 20
    assert mailbox_daily_cap(mailbox, now=day + datetime.timedelta(days=3)) == 50
    assert mailbox_daily_cap(mailbox, now=day + datetime.timedelta(days=30)) == 100


def test_campaign_sends_from_its_mailbox_within_its_cap(user, fake_sendgrid, send):
    mailbox = make_mailbox(user, hourly_cap=3, daily_cap=3)
    leads = [LeadFactory(user=user) for _ in range(5)]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)], mailbox=mailbox)
    send(campaign_start, campaign=campaign)
    assert len(fake_sendgrid.messages) == 3
    assert all("sales@seller.co.kr" in message.from_email for message in fake_sendgrid.messages)
    assert CampaignLeadResult.objects.filter(campaign=campaign, status="pending").count() == 2
