"""A chunk whose rows another transaction holds locked (an admin action or a requeue left open) is not
waited on forever: the claim gives up after CAMPAIGN_CLAIM_LOCK_TIMEOUT_MS, nothing is claimed or
sent, the daily cap gets its sends back, and the chunk is tried again later — and then sent."""

import threading

import pytest
from django.db import connections

from apps.campaigns.email_sender import _quota_key, campaign_send_chunk
from apps.campaigns.models import Campaign, CampaignLeadResult
from apps.campaigns.services import campaign_write_recipients
from services.email.ratelimit import redis_client

from .factories import CampaignFactory, LeadFactory, lead_list_with

R = CampaignLeadResult.Status


def send_within(seconds: float, **kwargs):
    """campaign_send_chunk in a thread: a claim that waits on the lock forever fails the test after
    ``seconds`` instead of hanging it (pytest-timeout is not installed)."""
    outcome = {}

    def run():
        try:
            outcome["report"] = campaign_send_chunk(**kwargs)
        except BaseException as exc:  # handed to the test's thread
            outcome["error"] = exc
        finally:
            connections.close_all()  # this thread's own connection

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"the claim did not give up on the locked row within {seconds} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["report"]


@pytest.mark.django_db(transaction=True)
def test_a_chunk_with_a_locked_row_is_tried_later_then_sent(user, fake_sendgrid, settings):
    settings.CAMPAIGN_CHUNK_SIZE = 3
    settings.CAMPAIGN_CLAIM_LOCK_TIMEOUT_MS = 200
    leads = [LeadFactory(user=user) for _ in range(3)]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.IN_PROGRESS)
    campaign_write_recipients(campaign_id=campaign.pk, dispatch=False)
    locked_row = campaign.results.first()
    database = connections["default"]
    other_session = database.get_new_connection(database.get_connection_params())
    try:
        other_session.execute("SELECT 1 FROM campaigns_campaignleadresult WHERE id = %s FOR UPDATE", [locked_row.pk])

        report = send_within(10, campaign_id=campaign.pk, chunk=0)

        assert report.claimed == 0 and "another transaction holds rows" in report.skipped
        assert report.retry_in is not None and report.retry_in > 0
        assert sorted(campaign.results.values_list("status", flat=True)) == [R.PENDING] * 3
        assert fake_sendgrid.received_count == 0
        quota_used = redis_client().get(_quota_key(campaign.user_id, campaign.created_at))
        assert int(quota_used or 0) == 0
    finally:
        other_session.rollback()
        other_session.close()

    report = campaign_send_chunk(campaign_id=campaign.pk, chunk=0, attempt=1)

    assert report.sent == 3
    assert fake_sendgrid.received_count == 3 and not fake_sendgrid.duplicates()
