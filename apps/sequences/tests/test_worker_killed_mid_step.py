"""A real worker killed with SIGKILL while it sends a sequence step: the campaign pipeline's guarantee
holds for sequences unchanged. The batch whose answer died with the worker is "outcome unknown" and
never resent, every other lead gets the step once, and the next step still goes to everyone once."""

import datetime
import zoneinfo
from collections import Counter

import pytest
from django.utils import timezone

from apps.campaigns.models import CampaignLeadResult
from apps.campaigns.services import campaigns_reconcile
from apps.leads.models import Lead
from apps.sequences.services import sequence_start, sequences_tick
from testing.fake_email_providers import FakeSendGrid
from testing.waiting import wait_for

from .factories import sequence_with

pytestmark = [pytest.mark.worker]
R = CampaignLeadResult.Status
SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")
MONDAY_10 = datetime.datetime(2026, 12, 7, 10, 0, tzinfo=SEOUL)


@pytest.fixture
def fake():
    server = FakeSendGrid()
    yield server
    server.stop()


def open_rows(order: int):
    return CampaignLeadResult.objects.filter(
        campaign__sequence_variant__step__order=order, status__in=[R.PENDING, R.SENDING]
    )


def test_worker_killed_mid_step_neither_resends_nor_forgets(celery_worker_factory, fake, user, settings):
    chunk_size = 50
    settings.CAMPAIGN_CHUNK_SIZE = chunk_size
    worker_env = {
        "EMAIL_PROVIDERS": "sendgrid",
        "SENDGRID_API_HOST": fake.url,
        "SENDGRID_API_KEY": fake.api_key,
        "CAMPAIGN_CHUNK_SIZE": str(chunk_size),
    }
    leads = Lead.objects.bulk_create(
        Lead(user=user, name=f"리드 {n}", email=f"lead{n}@example.co.kr") for n in range(6 * chunk_size)
    )
    # The worker sends on the real clock, and the claim re-checks each step row's window: open all day,
    # every day (the scheduler's frozen Monday and Tuesday stay inside it too).
    always_open = {
        "window_start": datetime.time(0),
        "window_end": datetime.time(23, 59, 59, 999999),
        "window_days": list(range(7)),
        "skip_holidays": False,
    }
    sequence = sequence_with(
        user, leads, steps=[(0, False, [("A", 100)]), (1, True, [("A", 100)])], sender_name="세일즈원", **always_open
    )
    sequence = sequence_start(sequence=sequence, now=MONDAY_10 - datetime.timedelta(hours=2))
    fake.hold_from = 3  # the third request reaches SendGrid, and its answer never comes back in time
    fake.hold.clear()

    worker = celery_worker_factory(queues="campaigns", concurrency=1, extra_env=worker_env)
    sequences_tick(now=MONDAY_10)  # step 1 written as six chunks and dispatched to the worker
    assert fake.request_arrived.wait(60), "the third request never reached the fake provider"
    worker.kill()
    fake.hold.set()  # SendGrid accepts the batch whose sender just died
    wait_for(lambda: fake.in_flight == 0, what="the held request to finish")
    assert fake.received_count == 3 * chunk_size

    celery_worker_factory(queues="campaigns", concurrency=2, extra_env=worker_env)
    lease = datetime.timedelta(seconds=settings.CAMPAIGN_SEND_LEASE_SECONDS + 1)
    report = campaigns_reconcile(now=timezone.now() + lease)
    assert report["unknown"] == chunk_size
    wait_for(lambda: not open_rows(0).exists(), what="step 1 to be sent")

    sequences_tick(now=MONDAY_10 + datetime.timedelta(days=1))  # step 2, due on Tuesday
    wait_for(lambda: open_rows(1).count() == 0 and fake.received_count >= 6 * chunk_size * 2 - 0,
             what="step 2 to be sent")  # fmt: skip

    per_address = Counter(fake.recipients())
    assert set(per_address) == {lead.email for lead in leads}, "a lead was forgotten"
    assert set(per_address.values()) == {2}, "a lead got a step twice"
    step_one = CampaignLeadResult.objects.filter(campaign__sequence_variant__step__order=0)
    assert step_one.filter(status=R.SENT).count() == 5 * chunk_size
    assert step_one.filter(status=R.UNKNOWN).count() == chunk_size
    assert (
        CampaignLeadResult.objects.filter(campaign__sequence_variant__step__order=1, status=R.SENT).count()
        == 6 * chunk_size
    )
