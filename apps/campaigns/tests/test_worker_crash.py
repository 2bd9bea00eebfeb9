"""A real worker killed with SIGKILL mid-campaign: after a restart every lead is e-mailed exactly once,
or — for the batch whose answer died with the worker — marked "outcome unknown", never resent."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.campaigns.models import Campaign, CampaignLeadResult
from apps.campaigns.services import UNKNOWN_OUTCOME_REASON, campaign_start, campaigns_reconcile
from testing.fake_email_providers import FakeSendGrid
from testing.waiting import wait_for

from .factories import CampaignFactory, LeadFactory, lead_list_with

pytestmark = [pytest.mark.worker]
R = CampaignLeadResult.Status


@pytest.fixture
def fake():
    server = FakeSendGrid()
    yield server
    server.stop()


def test_worker_killed_mid_campaign_neither_resends_nor_forgets(celery_worker_factory, fake, user, settings):
    chunk_size = 50
    settings.CAMPAIGN_CHUNK_SIZE = chunk_size
    worker_env = {
        "EMAIL_PROVIDERS": "sendgrid",
        "SENDGRID_API_HOST": fake.url,
        "SENDGRID_API_KEY": fake.api_key,
        "CAMPAIGN_CHUNK_SIZE": str(chunk_size),
    }
    leads = [LeadFactory(user=user) for _ in range(6 * chunk_size)]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])
    fake.hold_from = 3  # the third request reaches SendGrid, and its answer never comes back in time
    fake.hold.clear()

    worker = celery_worker_factory(queues="campaigns", concurrency=1, extra_env=worker_env)
    campaign_start(campaign=campaign)
    assert fake.request_arrived.wait(60), "the third request never reached the fake provider"
    worker.kill()  # SIGKILL to the worker and its pool process, mid-request
    fake.hold.set()  # SendGrid accepts the batch whose sender just died
    wait_for(lambda: fake.in_flight == 0, what="the held request to finish")
    assert fake.received_count == 3 * chunk_size
    assert CampaignLeadResult.objects.filter(campaign=campaign, status=R.SENDING).count() == chunk_size

    # A new worker comes up; the beat job runs after the lease: the in-flight rows' outcome is
    # unknown, so they are marked so, and the chunks whose messages died with the worker are
    # dispatched again.
    celery_worker_factory(queues="campaigns", concurrency=2, extra_env=worker_env)
    lease = timedelta(seconds=settings.CAMPAIGN_SEND_LEASE_SECONDS + 1)
    report = campaigns_reconcile(now=timezone.now() + lease)
    assert report["unknown"] == chunk_size
    assert report["redispatched"] == 1
    wait_for(
        lambda: Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.COMPLETED,
        what="the campaign to complete",
    )

    received = fake.recipients()
    assert not fake.duplicates(), "a lead was e-mailed twice"
    assert sorted(received) == sorted(lead.email for lead in leads), "a lead was forgotten"
    rows = CampaignLeadResult.objects.filter(campaign=campaign)
    assert rows.filter(status=R.SENT).count() == 5 * chunk_size
    unknown = rows.filter(status=R.UNKNOWN)
    assert unknown.count() == chunk_size
    assert set(unknown.values_list("error_message", flat=True)) == {UNKNOWN_OUTCOME_REASON}
    assert not any(row.retryable for row in unknown)
    assert set(unknown.values_list("email", flat=True)) <= set(received)
