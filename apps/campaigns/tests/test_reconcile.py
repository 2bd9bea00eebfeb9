"""The reconcile job finds rows a dead worker left 'sending' through the (campaign, chunk) index —
also in a campaign paused since — and a campaign with such a row is not completed before."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.campaigns.email_sender import _claim
from apps.campaigns.models import Campaign, CampaignLeadResult
from apps.campaigns.services import (
    UNKNOWN_OUTCOME_REASON,
    campaign_complete_if_done,
    campaign_pause,
    campaign_start,
    campaigns_reconcile,
)
from apps.campaigns.tasks import send_campaign_chunk

from .factories import CampaignFactory, LeadFactory, lead_list_with, write_recipients

pytestmark = pytest.mark.django_db
R = CampaignLeadResult.Status


def test_rows_of_a_dead_worker_are_outcome_unknown_after_the_lease_even_once_paused(
    user, fake_sendgrid, settings, send
):
    settings.CAMPAIGN_CHUNK_SIZE = 2
    leads = [LeadFactory(user=user) for _ in range(6)]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])
    campaign_start(campaign=campaign)
    write_recipients(campaign)  # rows written; the chunk tasks are not run yet
    send(send_campaign_chunk, str(campaign.pk), 0)
    send(send_campaign_chunk, str(campaign.pk), 2)
    # A worker claims chunk 1 and dies before sending: its rows stay 'sending'.
    claimed, _ = _claim(campaign_id=campaign.pk, chunk=1, limit=2)
    assert len(claimed) == 2
    assert not campaign_complete_if_done(campaign_id=campaign.pk)
    campaign_pause(campaign=campaign)

    lease = timedelta(seconds=settings.CAMPAIGN_SEND_LEASE_SECONDS)
    assert campaigns_reconcile(now=timezone.now() + lease / 2)["unknown"] == 0
    assert campaigns_reconcile(now=timezone.now() + lease + timedelta(seconds=1))["unknown"] == 2

    unknown = campaign.results.filter(status=R.UNKNOWN)
    assert sorted(unknown.values_list("email", flat=True)) == sorted(row.email for row in claimed)
    assert set(unknown.values_list("error_message", flat=True)) == {UNKNOWN_OUTCOME_REASON}
    assert fake_sendgrid.received_count == 4
    send(campaign_start, campaign=campaign)  # resume: nothing left to send, the campaign completes
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.COMPLETED
    assert fake_sendgrid.received_count == 4


def test_a_campaign_completes_only_when_its_last_row_is_settled(user, fake_sendgrid, settings, send):
    settings.CAMPAIGN_CHUNK_SIZE = 2
    leads = [LeadFactory(user=user) for _ in range(5)]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])
    campaign_start(campaign=campaign)
    write_recipients(campaign)
    for chunk in (2, 1):  # out of order: the highest chunk is done first
        send(send_campaign_chunk, str(campaign.pk), chunk)
        campaign.refresh_from_db()
        assert campaign.status == Campaign.Status.IN_PROGRESS
    send(send_campaign_chunk, str(campaign.pk), 0)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.COMPLETED
    assert sorted(fake_sendgrid.recipients()) == sorted(lead.email for lead in leads)
