"""The per-provider rate limit: one token bucket in Redis that every worker shares."""

import time

import pytest

from apps.campaigns.models import Campaign
from apps.campaigns.services import campaign_start
from services.email.ratelimit import rate_limit_take, redis_client

from .factories import CampaignFactory, LeadFactory, lead_list_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh_bucket():
    redis_client().delete("salesone:ratelimit:sendgrid")
    yield
    redis_client().delete("salesone:ratelimit:sendgrid")


def test_bucket_gives_the_burst_then_says_how_long_to_wait(settings, fresh_bucket):
    settings.EMAIL_PROVIDER_RATE_LIMITS = {"sendgrid": [20, 10]}

    assert rate_limit_take(provider_name="sendgrid", count=10) == 0.0
    wait = rate_limit_take(provider_name="sendgrid", count=5)
    assert 0.15 < wait <= 0.25  # 5 tokens at 20/s, nothing taken
    time.sleep(wait)
    assert rate_limit_take(provider_name="sendgrid", count=5) == 0.0
    assert rate_limit_take(provider_name="mailgun", count=10**6) == 0.0  # no limit configured


def test_campaign_sends_no_faster_than_the_limit(user, fake_sendgrid, settings, send, fresh_bucket):
    settings.EMAIL_PROVIDER_RATE_LIMITS = {"sendgrid": [100, 50]}
    settings.CAMPAIGN_CHUNK_SIZE = 50
    leads = [LeadFactory(user=user) for _ in range(150)]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])

    started = time.monotonic()
    send(campaign_start, campaign=campaign)
    elapsed = time.monotonic() - started

    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.COMPLETED
    assert len(fake_sendgrid.recipients()) == 150
    # A burst of 50, then 100 more at 100/s: at least a second, although the fake answers at once.
    assert elapsed >= 0.95
