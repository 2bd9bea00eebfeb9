"""results/: rows a stopped worker left 'sending' are shown (with their claim time) while the lease
runs, then as "outcome unknown" with the reason — counted in the totals, filterable, never failed."""

from datetime import UTC, timedelta

import pytest

from apps.campaigns.email_sender import _claim
from apps.campaigns.models import Campaign, CampaignLeadResult
from apps.campaigns.services import UNKNOWN_OUTCOME_REASON, campaign_start, campaigns_reconcile

from .factories import CampaignFactory, LeadFactory, lead_list_with, write_recipients

pytestmark = pytest.mark.django_db
R = CampaignLeadResult.Status


def test_stale_rows_show_while_waiting_then_as_unknown(user, auth_client, fake_sendgrid, settings):
    settings.CAMPAIGN_CHUNK_SIZE = 2
    settings.CAMPAIGN_SEND_LEASE_SECONDS = 120
    leads = [LeadFactory(user=user) for _ in range(2)]
    campaign = CampaignFactory(user=user, leadlists=[lead_list_with(user, leads)])
    campaign_start(campaign=campaign)
    write_recipients(campaign)
    _rows, claimed_at = _claim(campaign_id=campaign.pk, chunk=0, limit=2)  # a worker dies after this
    url = f"/api/campaigns/{campaign.pk}/results/"

    waiting = auth_client.get(url, {"status": "sending"}).data
    assert waiting["totals"]["sending"] == 2 and waiting["totals"]["unknown"] == 0
    expected_claim = claimed_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    assert {row["claimed_at"] for row in waiting["results"]} == {expected_claim}

    # Within the lease nothing changes; after it, the rows' outcome is unknown.
    assert campaigns_reconcile(now=claimed_at + timedelta(seconds=119))["unknown"] == 0
    assert campaigns_reconcile(now=claimed_at + timedelta(seconds=121))["unknown"] == 2

    page = auth_client.get(url, {"status": "unknown"}).data
    assert page["count"] == 2
    assert {row["status"] for row in page["results"]} == {"unknown"}
    assert {row["error_message"] for row in page["results"]} == {UNKNOWN_OUTCOME_REASON}
    assert not any(row["retryable"] for row in page["results"])
    totals = page["totals"]
    assert (totals["unknown"], totals["failed"], totals["sending"], totals["sent"]) == (2, 0, 0, 0)
    assert auth_client.get(url, {"status": "failed"}).data["count"] == 0
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.COMPLETED  # nothing left that could make progress
    assert fake_sendgrid.received_count == 0
