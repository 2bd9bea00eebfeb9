"""A row whose outcome is unknown but whose message SendGrid accepted is found in SendGrid's Email
Activity log and becomes sent, with SendGrid's id and time; one SendGrid never got stays unknown
while its log may still lag. Rows recorded before the 'unknown' status (failed, "Outcome unknown")
are resolved the same way."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from apps.campaigns.models import CampaignLeadResult, CampaignProviderRequest
from apps.campaigns.services import UNKNOWN_OUTCOME_REASON
from apps.campaigns.tasks import resolve_unknown_outcomes
from services.email.sendgrid import SendGridProvider

from .factories import CampaignFactory, deliver, unknown_rows

pytestmark = pytest.mark.django_db
SENT_AT = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize("legacy", [False, True], ids=["unknown", "failed-outcome-unknown"])
def test_delivered_rows_become_sent_with_sendgrid_id(auth_client, user, fake_sendgrid, legacy):
    with time_machine.travel(SENT_AT, tick=False) as clock:
        campaign = CampaignFactory(user=user, status="completed", last_progress_at=timezone.now())
        rows = unknown_rows(campaign, 3, legacy=legacy)
        delivered, never_arrived = rows[:2], rows[2]
        x_message_id = deliver(SendGridProvider(), campaign, delivered)[0].message_id

        clock.shift(timedelta(minutes=2))
        assert resolve_unknown_outcomes() == {"found": 2, "resent": 0, "held": 0, "awaiting": 1}

    response = auth_client.get(f"/api/campaigns/{campaign.pk}/results/?page_size=10")
    assert response.status_code == 200
    by_id = {row["id"]: row for row in response.data["results"]}
    for row in delivered:
        result = by_id[str(row.pk)]
        assert result["status"] == "sent" and result["sent"] is True
        assert result["provider"] == "sendgrid"
        assert result["provider_message_id"] == x_message_id
        assert result["error_message"] == "" and result["retryable"] is False
        assert result["resolution"] == "found"
        assert result["resolution_note"].startswith(UNKNOWN_OUTCOME_REASON)
        assert "Found in the log of sendgrid" in result["resolution_note"]
    for row in CampaignLeadResult.objects.filter(pk__in=[r.pk for r in delivered]):
        # SendGrid's time, not the resolver's. (Compared in the database: the API renders campaign
        # times in Asia/Seoul with a "Z", issue 15 §1, fixed for the whole API elsewhere.)
        assert row.sent_at == SENT_AT
        assert row.resolved_at == SENT_AT + timedelta(minutes=2)
    waiting = by_id[str(never_arrived.pk)]
    assert waiting["status"] == ("failed" if legacy else "unknown")
    assert waiting["resolution"] == "" and waiting["error_message"] == UNKNOWN_OUTCOME_REASON

    assert response.data["totals"]["unknown_outcomes"] == {
        "unknown": 1,
        "awaiting_provider": 1,
        "held_for_a_person": 0,
        "reasons": [{"reason": UNKNOWN_OUTCOME_REASON, "count": 1}],
        "resolved_found_at_provider": 2,
        "resolved_sent_once_more": 0,
    }
    # Webhooks that name only SendGrid's id find the rows.
    assert CampaignProviderRequest.objects.filter(provider_message_id=x_message_id, campaign=campaign).exists()

    # The query SendGrid received: our custom arg, the three addresses, the window since the claim.
    [query] = fake_sendgrid.log_queries
    assert query["path"] == "/v3/messages" and query["params"]["limit"] == "1000"
    assert f"unique_args['campaign_id']=\"{campaign.pk}\"" in query["params"]["query"]
    for row in rows:
        assert f'"{row.email.lower()}"' in query["params"]["query"]
    assert 'BETWEEN TIMESTAMP "2026-03-02T00:59:00Z" AND TIMESTAMP "2026-03-02T01:03:00Z"' in query["params"]["query"]
