"""Pending rows that no live task holds (their chunk task died, or failed while the database or broker
was down) are dispatched again within CAMPAIGN_ORPHAN_SECONDS, and the reconcile job says so in its log."""

import logging
from datetime import timedelta

import pytest

from apps.campaigns.models import Campaign, CampaignLeadResult
from apps.campaigns.services import campaign_start, campaigns_reconcile

from .factories import CampaignFactory, LeadFactory, lead_list_with, write_recipients

pytestmark = pytest.mark.django_db
R = CampaignLeadResult.Status


def test_a_quiet_campaign_is_redispatched_within_the_orphan_setting(user, fake_sendgrid, settings, send, caplog):
    settings.CAMPAIGN_CHUNK_SIZE = 2
    assert (settings.CAMPAIGN_ORPHAN_SECONDS, settings.CAMPAIGN_RECONCILE_SECONDS) == (60, 15)
    leads = [LeadFactory(user=user) for _ in range(4)]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])
    campaign_start(campaign=campaign)
    write_recipients(campaign)  # its chunk tasks are lost: nothing sends them
    last_progress = Campaign.objects.get(pk=campaign.pk).last_progress_at

    assert campaigns_reconcile(now=last_progress + timedelta(seconds=44))["redispatched"] == 0
    assert fake_sendgrid.received_count == 0
    with caplog.at_level(logging.INFO, logger="apps.campaigns.services"):
        # The job runs every 15 s: a campaign quiet for 45 s is picked up by 60 s at the latest.
        report = send(campaigns_reconcile, now=last_progress + timedelta(seconds=46))

    assert report["redispatched"] == 1
    assert "re-dispatched chunks [0, 1]" in caplog.text
    assert sorted(fake_sendgrid.recipients()) == sorted(lead.email for lead in leads)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.COMPLETED
