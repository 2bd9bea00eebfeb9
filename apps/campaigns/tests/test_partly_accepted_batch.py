"""A chunk the provider takes in several requests (bodies too large to substitute go one by one):
when a later request fails, the earlier ones stay sent — their leads are never e-mailed again."""

import time

import pytest

from apps.campaigns.email_sender import campaign_send_chunk
from apps.campaigns.models import Campaign, CampaignLeadResult
from apps.campaigns.services import campaign_start

from .factories import CampaignFactory, CampaignTemplateFactory, LeadFactory, lead_list_with, write_recipients

pytestmark = pytest.mark.django_db
R = CampaignLeadResult.Status
LARGE_BODY = "<p>{{ company.name }}</p>" + "<p>" + "건강기능식품 제안서 " * 1000 + "</p>"  # > 10,000 bytes


@pytest.fixture
def campaign(user):
    template = CampaignTemplateFactory(user=user, body=LARGE_BODY)
    leads = [LeadFactory(user=user) for _ in range(3)]
    return CampaignFactory(user=user, template=template, leadlists=[lead_list_with(user, leads)])


def test_a_later_request_refused_for_now_leaves_the_earlier_sent(campaign, fake_sendgrid, settings, send):
    settings.CAMPAIGN_RETRY_BASE_SECONDS = 0
    settings.CAMPAIGN_RETRY_MAX_SECONDS = 0
    fake_sendgrid.script = [202, 503]  # the first message is accepted, the second meets an outage

    send(campaign_start, campaign=campaign)

    assert not fake_sendgrid.duplicates(), "a lead was e-mailed twice"
    assert sorted(fake_sendgrid.recipients()) == sorted(campaign.results.values_list("email", flat=True))
    assert set(campaign.results.values_list("status", flat=True)) == {R.SENT}
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.COMPLETED


def test_a_later_request_whose_answer_is_lost_is_unknown(campaign, fake_sendgrid, settings):
    settings.EMAIL_HTTP_TIMEOUT = 0.5
    fake_sendgrid.hold_from = 2  # the second request is held past the client's timeout
    fake_sendgrid.hold.clear()
    campaign_start(campaign=campaign)
    write_recipients(campaign)

    report = campaign_send_chunk(campaign_id=campaign.pk, chunk=0)

    assert (report.sent, report.unknown, report.released) == (1, 1, 1)
    [unknown] = campaign.results.filter(status=R.UNKNOWN)
    assert "request 2 of 3" in unknown.error_message and unknown.error_message.startswith("Outcome unknown")
    fake_sendgrid.hold.set()
    deadline = time.monotonic() + 10
    while fake_sendgrid.in_flight and time.monotonic() < deadline:  # SendGrid finishes the held request
        time.sleep(0.01)
    campaign_send_chunk(campaign_id=campaign.pk, chunk=0)  # the retry sends the one never requested

    assert sorted(campaign.results.values_list("status", flat=True)) == [R.SENT, R.SENT, R.UNKNOWN]
    assert not fake_sendgrid.duplicates()
    assert fake_sendgrid.received_count == 3  # the held request was accepted in the end: once
