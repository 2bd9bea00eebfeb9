"""Pause stops sending at the next chunk; resume (start) sends only the rest."""

import pytest

from apps.campaigns.models import Campaign, CampaignLeadResult
from apps.campaigns.services import campaign_pause, campaign_start
from apps.campaigns.tasks import send_campaign_chunk

from .factories import CampaignFactory, LeadFactory, lead_list_with, write_recipients

pytestmark = pytest.mark.django_db


def test_pause_stops_sending_and_resume_finishes_only_the_rest(user, fake_sendgrid, settings, send):
    settings.CAMPAIGN_CHUNK_SIZE = 2
    leads = [LeadFactory(user=user) for _ in range(6)]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])
    campaign_start(campaign=campaign)
    write_recipients(campaign)  # rows written; the chunk tasks are not run yet

    send(send_campaign_chunk, str(campaign.pk), 0)
    assert fake_sendgrid.received_count == 2

    campaign_pause(campaign=campaign)
    send(send_campaign_chunk, str(campaign.pk), 1)  # a chunk already queued when the pause came
    assert fake_sendgrid.received_count == 2
    assert campaign.results.filter(status=CampaignLeadResult.Status.PENDING).count() == 4

    send(campaign_start, campaign=campaign)

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.COMPLETED
    assert sorted(fake_sendgrid.recipients()) == sorted(lead.email for lead in leads)
    assert not fake_sendgrid.duplicates()
