"""A mailbox's rolling caps and warm-up, shared by a campaign that sends from it."""

import datetime

import pytest
from django.utils import timezone

from apps.campaigns.models import CampaignLeadResult
from apps.campaigns.services import campaign_start
from apps.campaigns.tests.factories import CampaignFactory, LeadFactory, lead_list_with
from apps.mail.mailboxes import mailbox_daily_cap, mailbox_reserve, mailbox_usage, mailboxes_release, mailboxes_reserve
from apps.mail.models import Mailbox

pytestmark = pytest.mark.django_db


def make_mailbox(user, **caps) -> Mailbox:
    values = {"email": "sales@seller.co.kr", "daily_cap": 100, "hourly_cap": 20, "warmup_start": 0, "warmup_step": 0}
    return Mailbox.objects.create(user=user, warmup_started_on=datetime.date(2026, 12, 1), **{**values, **caps})


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


def test_a_pool_reservation_in_one_transaction_spreads_keeps_and_holds_the_caps(user):
    """A sequence batch's reservation (2026-12-07, one transaction for the whole pool): the sends asked of a
    mailbox first, then the rest spread evenly, a mailbox at a cap (or warming up, or deactivated) dropping
    out and the others taking its share; what was not used goes back in one statement."""
    now = datetime.datetime(2026, 12, 7, 10, tzinfo=datetime.UTC)
    a = make_mailbox(user, email="a@seller.co.kr", daily_cap=100, hourly_cap=10)
    b = make_mailbox(user, email="b@seller.co.kr", daily_cap=100, hourly_cap=20, warmup_start=4)  # 4 today...
    c = make_mailbox(user, email="c@seller.co.kr", daily_cap=100, hourly_cap=20)
    off = make_mailbox(user, email="off@seller.co.kr", is_active=False)
    assert mailbox_reserve(mailbox_id=c.pk, count=15, now=now) == 15  # a campaign took 15 of c's 20 this hour
    pool = [str(m.pk) for m in (a, b, c, off)]

    kept, grants = mailboxes_reserve(kept={str(a.pk): 3, str(off.pk): 2}, pool=pool, spread=30, now=now)

    assert kept == {str(a.pk): 3, str(off.pk): 0}
    # 30 over four: 8 each asked; b stops at its warm-up's cap, c at its hour's 5 left, off has none; a takes
    # the rest of its hour (7 after the 3 kept), and the 30 are not all granted.
    assert grants == [(str(a.pk), 7), (str(b.pk), mailbox_daily_cap(b, now=now)), (str(c.pk), 5)]
    assert [mailbox_usage(m, now=now).hour for m in (a, b, c, off)] == [10, mailbox_daily_cap(b, now=now), 20, 0]

    mailboxes_release(counts={str(a.pk): 4, str(c.pk): 0}, now=now)
    assert mailbox_usage(a, now=now).hour == 6


def test_campaign_sends_from_its_mailbox_within_its_cap(user, fake_sendgrid, send):
    mailbox = make_mailbox(user, hourly_cap=3, daily_cap=3)
    leads = [LeadFactory(user=user) for _ in range(5)]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)], mailbox=mailbox)
    send(campaign_start, campaign=campaign)
    assert len(fake_sendgrid.messages) == 3
    assert all("sales@seller.co.kr" in message.from_email for message in fake_sendgrid.messages)
    assert CampaignLeadResult.objects.filter(campaign=campaign, status="pending").count() == 2
