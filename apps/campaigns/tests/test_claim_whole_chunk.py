"""The claim's two forms (email_sender._claim): a whole chunk in one UPDATE when the caps allow a
chunk, up to a cap's limit otherwise; either way a row is claimed once, and never more rows than
the limit."""

import threading

import pytest
from django.db import connections, transaction

from apps.campaigns.email_sender import _claim
from apps.campaigns.models import Campaign, CampaignLeadResult
from apps.campaigns.services import campaign_write_recipients
from testing.waiting import wait_for

from .factories import CampaignFactory, LeadFactory, lead_list_with

R = CampaignLeadResult.Status


def _campaign_with_rows(user, count):
    leads = [LeadFactory(user=user) for _ in range(count)]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.IN_PROGRESS)
    campaign_write_recipients(campaign_id=campaign.pk, dispatch=False)
    return campaign


def _statuses(campaign) -> list[str]:
    return sorted(campaign.results.values_list("status", flat=True))


@pytest.mark.django_db
def test_whole_chunk_claims_every_pending_row_and_nothing_else(user, settings):
    settings.CAMPAIGN_CHUNK_SIZE = 3
    campaign = _campaign_with_rows(user, 3)
    failed = campaign.results.first()
    CampaignLeadResult.objects.filter(pk=failed.pk).update(status=R.FAILED, error_message="refused")

    rows, claimed_at = _claim(campaign_id=campaign.pk, chunk=0, limit=3)

    assert len(rows) == 2 and failed.pk not in {row.uuid for row in rows}
    assert _statuses(campaign) == [R.FAILED, R.SENDING, R.SENDING]
    assert set(campaign.results.filter(status=R.SENDING).values_list("claimed_at", flat=True)) == {claimed_at}
    assert _claim(campaign_id=campaign.pk, chunk=0, limit=3) == ([], None)  # a redelivered task


@pytest.mark.django_db
def test_a_cap_below_the_chunk_claims_only_what_it_allows(user, settings):
    settings.CAMPAIGN_CHUNK_SIZE = 3
    campaign = _campaign_with_rows(user, 3)

    rows, _ = _claim(campaign_id=campaign.pk, chunk=0, limit=2)

    assert len(rows) == 2
    assert _statuses(campaign) == [R.PENDING, R.SENDING, R.SENDING]


@pytest.mark.django_db
def test_a_chunk_larger_than_the_chunk_size_gives_the_rows_over_the_limit_back(user, settings):
    settings.CAMPAIGN_CHUNK_SIZE = 4
    campaign = _campaign_with_rows(user, 4)
    settings.CAMPAIGN_CHUNK_SIZE = 2  # lowered while the campaign sends

    rows, _ = _claim(campaign_id=campaign.pk, chunk=0, limit=2)

    assert len(rows) == 2
    assert _statuses(campaign) == [R.PENDING, R.PENDING, R.SENDING, R.SENDING]
    assert not campaign.results.filter(status=R.PENDING, claimed_at__isnull=False).exists()
    assert {row.uuid for row in rows} == set(campaign.results.filter(status=R.SENDING).values_list("id", flat=True))


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_claim_of_the_same_chunk_waits_and_takes_nothing(user, settings):
    settings.CAMPAIGN_CHUNK_SIZE = 3
    campaign = _campaign_with_rows(user, 3)
    second: dict = {}

    def claim_in_another_session():
        try:
            second["rows"], _ = _claim(campaign_id=campaign.pk, chunk=0, limit=3)
        finally:
            connections.close_all()

    with transaction.atomic():  # the first claim's row locks held until this commits
        first, _ = _claim(campaign_id=campaign.pk, chunk=0, limit=3)
        thread = threading.Thread(target=claim_in_another_session)
        thread.start()

        def second_claim_waits_for_the_row_locks():
            with connections["default"].cursor() as cursor:
                # Inside a transaction PostgreSQL keeps its first reading of pg_stat_activity.
                cursor.execute("SELECT pg_stat_clear_snapshot()")
                cursor.execute(
                    "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND wait_event_type = 'Lock' AND query LIKE %s",
                    ["%WITH claimed AS%"],
                )
                return cursor.fetchone()

        wait_for(second_claim_waits_for_the_row_locks, what="the second claim to wait for the first one's rows")
    thread.join(timeout=30)

    assert not thread.is_alive()
    assert len(first) == 3
    assert second["rows"] == []
    assert _statuses(campaign) == [R.SENDING, R.SENDING, R.SENDING]
