"""A chunk whose rows another transaction holds locked is queued again without using up its provider
retries (a lock held a while must not leave the next 429 fatal), a bounded number of times; then its
rows stay pending and the reconcile job sends them once the lock is gone."""

from datetime import timedelta

import pytest
from celery.signals import task_prerun
from django.db import connections
from django.utils import timezone

from apps.campaigns.models import Campaign, CampaignLeadResult
from apps.campaigns.services import campaign_write_recipients, campaigns_reconcile
from apps.campaigns.tasks import send_campaign_chunk

from .factories import CampaignFactory, LeadFactory, lead_list_with

R = CampaignLeadResult.Status


@pytest.fixture
def locked_campaign(user, settings):
    """A campaign of one chunk of 3 pending rows, one of them locked FOR UPDATE by another session."""
    settings.CAMPAIGN_CHUNK_SIZE = 3
    settings.CAMPAIGN_CLAIM_LOCK_TIMEOUT_MS = 100
    settings.CAMPAIGN_RETRY_BASE_SECONDS = 0
    settings.CAMPAIGN_RETRY_MAX_SECONDS = 0
    leads = [LeadFactory(user=user) for _ in range(3)]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.IN_PROGRESS)
    campaign_write_recipients(campaign_id=campaign.pk, dispatch=False)
    database = connections["default"]
    other_session = database.get_new_connection(database.get_connection_params())
    other_session.execute(
        "SELECT 1 FROM campaigns_campaignleadresult WHERE id = %s FOR UPDATE", [campaign.results.first().pk]
    )
    yield campaign, other_session
    other_session.rollback()
    other_session.close()


@pytest.fixture
def chunk_runs():
    """The (attempt, busy) of every run of the chunk task, in order; hooks run before each."""
    runs, hooks = [], []

    def record(sender=None, args=None, **kwargs):
        if sender.name == send_campaign_chunk.name:
            runs.append(tuple(args[2:]) or (0, 0))
            for hook in hooks:
                hook(len(runs))

    task_prerun.connect(record)
    yield runs, hooks
    task_prerun.disconnect(record)


@pytest.mark.django_db(transaction=True)
def test_a_busy_claim_does_not_use_up_the_provider_retries(
    locked_campaign, chunk_runs, fake_sendgrid, eager_celery, settings
):
    settings.CAMPAIGN_TRANSIENT_MAX_RETRIES = 1
    campaign, other_session = locked_campaign
    runs, hooks = chunk_runs
    fake_sendgrid.script = [429]
    # The lock goes before the third run: two busy runs, then the claim, a 429 and its one retry.
    hooks.append(lambda run: run == 3 and other_session.rollback())

    send_campaign_chunk.delay(str(campaign.pk), 0)

    assert runs == [(0, 0), (0, 1), (0, 2), (1, 2)]
    assert fake_sendgrid.request_count == 2
    assert sorted(campaign.results.values_list("status", flat=True)) == [R.SENT] * 3
    assert len(fake_sendgrid.recipients()) == 3 and not fake_sendgrid.duplicates()


@pytest.mark.django_db(transaction=True)
def test_a_chunk_locked_for_long_is_left_to_the_reconcile_job(
    locked_campaign, chunk_runs, fake_sendgrid, eager_celery, settings
):
    settings.CAMPAIGN_CLAIM_BUSY_RETRIES = 2
    campaign, other_session = locked_campaign
    runs, _ = chunk_runs

    send_campaign_chunk.delay(str(campaign.pk), 0)

    assert runs == [(0, 0), (0, 1), (0, 2)]  # then no more re-queues
    assert sorted(campaign.results.values_list("status", flat=True)) == [R.PENDING] * 3
    assert fake_sendgrid.request_count == 0

    other_session.rollback()
    later = timezone.now() + timedelta(seconds=settings.CAMPAIGN_ORPHAN_SECONDS + 1)
    report = campaigns_reconcile(now=later)

    assert report["redispatched"] == 1
    assert sorted(campaign.results.values_list("status", flat=True)) == [R.SENT] * 3
    assert len(fake_sendgrid.recipients()) == 3 and not fake_sendgrid.duplicates()
