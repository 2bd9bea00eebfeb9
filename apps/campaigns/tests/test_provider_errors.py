"""Provider failures: fallback on outage, transient errors retried, permanent ones failed with the reason."""

import pytest

from apps.campaigns.models import Campaign, CampaignLeadResult
from apps.campaigns.services import campaign_start

from .factories import CampaignFactory, LeadFactory, lead_list_with

pytestmark = pytest.mark.django_db
R = CampaignLeadResult.Status


@pytest.fixture
def campaign(user):
    leads = [LeadFactory(user=user) for _ in range(3)]
    return CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])


@pytest.fixture
def no_backoff(settings):
    settings.CAMPAIGN_RETRY_BASE_SECONDS = 0
    settings.CAMPAIGN_RETRY_MAX_SECONDS = 0


def test_sendgrid_outage_falls_back_to_mailgun(campaign, fake_sendgrid, fake_mailgun, settings, send):
    settings.EMAIL_PROVIDERS = ["sendgrid", "mailgun"]
    fake_sendgrid.script = [503]

    send(campaign_start, campaign=campaign)

    assert fake_sendgrid.recipients() == []
    assert len(fake_mailgun.recipients()) == 3
    assert set(campaign.results.values_list("provider", flat=True)) == {"mailgun"}


def test_unreachable_sendgrid_falls_back_to_mailgun(campaign, fake_mailgun, settings, send):
    settings.EMAIL_PROVIDERS = ["sendgrid", "mailgun"]
    settings.SENDGRID_API_HOST = "http://127.0.0.1:9"  # discard port: connection refused

    send(campaign_start, campaign=campaign)

    assert len(fake_mailgun.recipients()) == 3


def test_transient_error_is_retried_then_sent(campaign, fake_sendgrid, no_backoff, send):
    fake_sendgrid.script = [503, 429]

    send(campaign_start, campaign=campaign)

    assert fake_sendgrid.request_count == 3
    assert len(fake_sendgrid.recipients()) == 3
    assert not fake_sendgrid.duplicates()
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.COMPLETED
    assert set(campaign.results.values_list("status", flat=True)) == {R.SENT}


def test_transient_errors_give_up_after_the_retry_limit(campaign, fake_sendgrid, no_backoff, settings, send):
    settings.CAMPAIGN_TRANSIENT_MAX_RETRIES = 2
    fake_sendgrid.script = [503, 503, 503, 503]

    send(campaign_start, campaign=campaign)

    assert fake_sendgrid.request_count == 3
    rows = list(campaign.results.all())
    assert {r.status for r in rows} == {R.FAILED}
    assert all(r.retryable and "Gave up after 3 attempts" in r.error_message for r in rows)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.COMPLETED


def test_permanent_refusal_of_one_address_fails_only_that_row(user, fake_sendgrid, send):
    good = [LeadFactory(user=user) for _ in range(2)]
    bad = LeadFactory(user=user, email="no-at-sign.example.co.kr")
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, [*good, bad])])

    send(campaign_start, campaign=campaign)

    assert sorted(fake_sendgrid.recipients()) == sorted(lead.email for lead in good)
    row = campaign.results.get(lead=bad)
    assert row.status == R.FAILED
    assert row.error_message == "SendGrid refused (400): Invalid email"
    assert campaign.results.filter(status=R.SENT).count() == 2


def test_refused_credentials_fail_the_campaign_with_the_reason(campaign, fake_sendgrid, settings, send):
    settings.SENDGRID_API_KEY = "wrong-key"

    send(campaign_start, campaign=campaign)

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.FAILED
    assert "SendGrid refused the credentials (401)" in campaign.failure_reason
    # Nothing went out, so nothing is lost: the rows wait for a fixed configuration.
    assert set(campaign.results.values_list("status", flat=True)) == {R.PENDING}

    settings.SENDGRID_API_KEY = fake_sendgrid.api_key
    send(campaign_start, campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.COMPLETED
    assert len(fake_sendgrid.recipients()) == 3
