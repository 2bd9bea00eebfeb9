"""The claim's short lock_timeout is the claim's alone: a chunk sent inside a caller's transaction (the
demo data sends its campaign that way) leaves that transaction's lock_timeout as it found it, so the
caller's later statements are not cancelled after CAMPAIGN_CLAIM_LOCK_TIMEOUT_MS of waiting."""

import pytest
from django.db import connection, connections, transaction

from apps.campaigns.email_sender import campaign_send_chunk
from apps.campaigns.models import Campaign
from apps.campaigns.services import campaign_write_recipients

from .factories import CampaignFactory, LeadFactory, lead_list_with


def lock_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('lock_timeout')")
        return cursor.fetchone()[0]


@pytest.fixture
def campaign(user, settings):
    settings.CAMPAIGN_CHUNK_SIZE = 3
    settings.CAMPAIGN_CLAIM_LOCK_TIMEOUT_MS = 150
    leads = [LeadFactory(user=user) for _ in range(3)]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.IN_PROGRESS)
    campaign_write_recipients(campaign_id=campaign.pk, dispatch=False)
    return campaign


@pytest.mark.django_db(transaction=True)
def test_a_chunk_sent_inside_a_transaction_leaves_its_lock_timeout_alone(campaign, fake_sendgrid):
    with transaction.atomic():
        before = lock_timeout()

        report = campaign_send_chunk(campaign_id=campaign.pk, chunk=0)

        assert report.sent == 3
        assert lock_timeout() == before != "150ms"


@pytest.mark.django_db(transaction=True)
def test_a_busy_claim_inside_a_transaction_leaves_its_lock_timeout_alone(campaign, fake_sendgrid):
    database = connections["default"]
    other_session = database.get_new_connection(database.get_connection_params())
    try:
        other_session.execute(
            "SELECT 1 FROM campaigns_campaignleadresult WHERE id = %s FOR UPDATE", [campaign.results.first().pk]
        )
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '7s'")

            report = campaign_send_chunk(campaign_id=campaign.pk, chunk=0)

            assert "another transaction holds rows" in report.skipped
            assert lock_timeout() == "7s"
    finally:
        other_session.rollback()
        other_session.close()
