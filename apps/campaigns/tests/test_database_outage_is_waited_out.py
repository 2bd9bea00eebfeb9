"""Issue 25 §1: a database outage mid-campaign is waited out by a real worker, never turned into losses.

PostgreSQL drops the worker's connections and refuses new ones for 3 s (common/tests/database_outage.py)
while a provider answer is arriving and chunks are queued. Chunks
that meet the outage retry with backoff; the answer that arrived is written once the database is back
(by the worker that holds it, or from the Redis spool by the reconcile job): every lead gets exactly
one e-mail, every row ends sent with the provider's id — none "outcome unknown", none failed.
"""

import time

import pytest
from django.utils import timezone

from apps.campaigns.models import Campaign, CampaignLeadResult
from apps.campaigns.services import campaign_start, campaigns_reconcile
from common.tests.database_outage import database_down, database_up
from testing.fake_email_providers import FakeSendGrid

from .factories import CampaignFactory, LeadFactory, lead_list_with

pytestmark = [pytest.mark.worker]
R = CampaignLeadResult.Status
OUTAGE_SECONDS = 3


@pytest.fixture
def fake():
    server = FakeSendGrid(latency=0.2)
    yield server
    server.stop()


@pytest.mark.parametrize("settle_retry_seconds", [60, 1], ids=["settle-waits-it-out", "settle-spooled-to-redis"])
def test_a_database_outage_mid_send_loses_nothing(settle_retry_seconds, celery_worker_factory, fake, user, settings):
    chunk_size = 10
    settings.CAMPAIGN_CHUNK_SIZE = chunk_size
    leads = [LeadFactory(user=user) for _ in range(8 * chunk_size)]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])
    fake.hold_from = 3  # the third request reaches SendGrid and waits: its answer comes during the outage
    fake.hold.clear()
    celery_worker_factory(
        queues="campaigns",
        concurrency=2,
        extra_env={
            "EMAIL_PROVIDERS": "sendgrid",
            "SENDGRID_API_HOST": fake.url,
            "SENDGRID_API_KEY": fake.api_key,
            "CAMPAIGN_CHUNK_SIZE": str(chunk_size),
            "CAMPAIGN_SETTLE_RETRY_SECONDS": str(settle_retry_seconds),
            "TASK_RETRY_BASE_SECONDS": "1",
            "TASK_RETRY_MAX_SECONDS": "2",
        },
    )
    campaign_start(campaign=campaign)
    assert fake.request_arrived.wait(60), "the third request never reached the fake provider"

    database_down()
    try:
        fake.hold.set()  # SendGrid answers while the database is unreachable
        time.sleep(OUTAGE_SECONDS)  # the outage itself, not a wait for the code under test
    finally:
        database_up()
    back, back_at = time.monotonic(), timezone.now()

    # The beat's reconcile job, as often as it runs in production.
    spooled = 0
    deadline = back + 90
    while Campaign.objects.get(pk=campaign.pk).status != Campaign.Status.COMPLETED:
        assert time.monotonic() < deadline, "the campaign did not complete after the database came back"
        spooled += campaigns_reconcile()["spooled_settles"]
        time.sleep(settings.CAMPAIGN_RECONCILE_SECONDS / 10)
    print(f"completed {time.monotonic() - back:.1f} s after the database came back ({spooled} settles spooled)")

    assert not fake.duplicates(), "a lead was e-mailed twice"
    assert sorted(fake.recipients()) == sorted(lead.email for lead in leads), "a lead was forgotten"
    rows = CampaignLeadResult.objects.filter(campaign=campaign)
    assert set(rows.values_list("status", flat=True)) == {R.SENT}
    assert not rows.filter(provider_message_id="").exists()
    # The held request's rows carry the time its answer arrived, during the outage, not when written.
    assert rows.filter(sent_at__lt=back_at).count() >= 3 * chunk_size
    if settle_retry_seconds == 1:
        assert spooled >= 1, "the answer held through the outage should have gone through the spool"
