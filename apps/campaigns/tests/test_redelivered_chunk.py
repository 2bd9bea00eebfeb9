"""A chunk task delivered twice (broker redelivery, duplicate dispatch) sends nothing the second time."""

import pytest

from apps.campaigns.services import campaign_dispatch, campaign_start
from apps.campaigns.tasks import send_campaign_chunk

from .factories import CampaignFactory, LeadFactory, lead_list_with

pytestmark = pytest.mark.django_db


def test_redelivered_chunk_sends_nothing(user, fake_sendgrid, send):
    leads = [LeadFactory(user=user) for _ in range(4)]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])
    send(campaign_start, campaign=campaign)
    assert fake_sendgrid.received_count == 4

    send(send_campaign_chunk, str(campaign.pk), 0)
    send(campaign_dispatch, campaign_id=campaign.pk)

    assert fake_sendgrid.received_count == 4
    assert fake_sendgrid.request_count == 1
    assert not fake_sendgrid.duplicates()
