"""The recipient writer (a task queued by the start): chunks send while it writes, a writer that died
mid-write is run again by the reconcile job and writes no row twice, the campaign never completes
before every row is written, and a pause during the write holds the sending."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.campaigns import services
from apps.campaigns.models import Campaign, CampaignLeadResult
from apps.campaigns.services import campaign_complete_if_done, campaign_pause, campaign_start, campaigns_reconcile
from apps.campaigns.tasks import send_campaign_chunk
from apps.leads.models import Lead

from .factories import CampaignFactory, LeadFactory, lead_list_with, write_recipients

pytestmark = pytest.mark.django_db
R = CampaignLeadResult.Status
S = Campaign.Status


class WriterDied(Exception):
    pass


@pytest.fixture
def small_slices(settings, monkeypatch):
    settings.CAMPAIGN_CHUNK_SIZE = 2
    monkeypatch.setattr(services, "WRITE_SLICE_CHUNKS", 1)  # one chunk of 2 rows per slice


def test_chunks_of_every_slice_are_sent_once_and_the_campaign_completes(user, fake_sendgrid, send, small_slices):
    leads = [LeadFactory(user=user) for _ in range(7)]
    no_address = LeadFactory(user=user, email="")
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, [*leads, no_address])])

    send(campaign_start, campaign=campaign)

    campaign.refresh_from_db()
    assert campaign.status == S.COMPLETED
    assert campaign.recipients_written_at is not None
    assert sorted(fake_sendgrid.recipients()) == sorted(lead.email for lead in leads)
    assert not fake_sendgrid.duplicates()
    assert fake_sendgrid.request_count == 4  # chunks 0-3, one slice each
    assert campaign.results.get(lead=no_address).status == R.FAILED


def test_a_writer_that_died_mid_write_is_run_again_and_writes_no_row_twice(
    user, fake_sendgrid, send, small_slices, monkeypatch, auth_client, settings
):
    leads = [LeadFactory(user=user) for _ in range(6)]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])
    campaign_start(campaign=campaign)

    def die_after_first_slice(campaign_id, chunks):
        raise WriterDied  # the first slice is committed; the worker dies before dispatching it

    monkeypatch.setattr(services, "_dispatch_chunks", die_after_first_slice)
    with pytest.raises(WriterDied):
        write_recipients(campaign)
    monkeypatch.undo()
    first_rows = dict(campaign.results.values_list("lead_id", "id"))
    assert len(first_rows) == 2

    # The rows written so far can be sent and the results show them, but the campaign is not done.
    send(send_campaign_chunk, str(campaign.pk), 0)
    assert fake_sendgrid.received_count == 2
    assert not campaign_complete_if_done(campaign_id=campaign.pk)
    response = auth_client.get(f"/api/campaigns/{campaign.pk}/results/")
    assert response.data["totals"]["recipients"] == 2
    assert response.data["totals"]["sent"] == 2
    campaign.refresh_from_db()
    assert campaign.status == S.IN_PROGRESS
    assert campaign.recipients_written_at is None
    assert campaigns_reconcile()["completed"] == 0

    # One lease later the reconcile job runs the writer again: it writes the rest, sends them, completes.
    lease = timedelta(seconds=settings.CAMPAIGN_SEND_LEASE_SECONDS + 1)
    send(campaigns_reconcile, now=timezone.now() + lease)

    campaign.refresh_from_db()
    assert campaign.status == S.COMPLETED
    assert campaign.results.count() == 6
    assert {
        lead: row for lead, row in campaign.results.values_list("lead_id", "id") if lead in first_rows
    } == first_rows
    assert sorted(fake_sendgrid.recipients()) == sorted(lead.email for lead in leads)
    assert not fake_sendgrid.duplicates()


def test_a_rerun_does_not_write_an_address_already_written_for_another_lead(user, small_slices):
    first = LeadFactory(user=user, email="ceo@nexpa.co.kr")
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, [first])])
    campaign_start(campaign=campaign)
    write_recipients(campaign)
    # As if the writer had died before marking the rows written, and the list changed meanwhile:
    # an older lead with the same address now wins the deduplication.
    older = LeadFactory(user=user, email="CEO@nexpa.co.kr")
    Lead.objects.filter(pk=older.pk).update(created_at=first.created_at - timedelta(days=1))
    campaign.leadlists.add(lead_list_with(user, [older]))
    Campaign.objects.filter(pk=campaign.pk).update(recipients_written_at=None)

    assert write_recipients(campaign) == 0
    assert list(campaign.results.values_list("lead_id", flat=True)) == [first.pk]


def test_a_pause_during_the_write_holds_the_sending_until_resumed(user, fake_sendgrid, send, small_slices):
    leads = [LeadFactory(user=user) for _ in range(5)]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])
    campaign_start(campaign=campaign)
    campaign_pause(campaign=campaign)

    send(write_recipients, campaign)  # the writer goes on; the chunks it queues find the campaign paused

    campaign.refresh_from_db()
    assert campaign.status == S.PAUSED
    assert campaign.recipients_written_at is not None
    assert campaign.results.filter(status=R.PENDING).count() == 5
    assert fake_sendgrid.received_count == 0

    send(campaign_start, campaign=campaign)

    campaign.refresh_from_db()
    assert campaign.status == S.COMPLETED
    assert sorted(fake_sendgrid.recipients()) == sorted(lead.email for lead in leads)
    assert not fake_sendgrid.duplicates()


def test_a_resume_before_the_writer_finished_runs_it_again(user, fake_sendgrid, send, small_slices):
    leads = [LeadFactory(user=user) for _ in range(3)]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])
    campaign_start(campaign=campaign)  # its writer task is lost (never runs)
    campaign_pause(campaign=campaign)

    send(campaign_start, campaign=campaign)

    campaign.refresh_from_db()
    assert campaign.status == S.COMPLETED
    assert sorted(fake_sendgrid.recipients()) == sorted(lead.email for lead in leads)


def test_two_reruns_after_a_crash_in_one_transaction_both_write_their_rows(user, small_slices):
    # The re-run's table of the rows written so far must not outlive the run: a caller's transaction
    # (the writer's own becomes a savepoint) would otherwise refuse the next re-run ("already exists").
    campaigns = []
    for _ in range(2):
        leads = [LeadFactory(user=user) for _ in range(3)]
        campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])
        campaign_start(campaign=campaign)
        write_recipients(campaign)
        campaign.results.filter(lead=leads[-1]).delete()  # as if it had died before the last slice
        Campaign.objects.filter(pk=campaign.pk).update(recipients_written_at=None)
        campaigns.append(campaign)

    assert [write_recipients(campaign) for campaign in campaigns] == [1, 1]
    assert [campaign.results.count() for campaign in campaigns] == [3, 3]
