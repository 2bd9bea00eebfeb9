"""With CAMPAIGN_UNKNOWN_NOT_FOUND=resend, a row the provider's log does not show after the settle
window is sent once more — the completed campaign sends it and completes again — and is recorded as
such; a row the log does show is not sent again. Every recipient holds exactly one e-mail."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.campaigns.models import Campaign, CampaignLeadResult
from apps.campaigns.tasks import resolve_unknown_outcomes
from services.email.sendgrid import SendGridProvider

from .factories import CampaignFactory, deliver, unknown_rows

pytestmark = pytest.mark.django_db


def test_missing_row_is_sent_once_more_and_recorded_so(auth_client, user, fake_sendgrid, settings, send):
    settings.CAMPAIGN_UNKNOWN_NOT_FOUND = "resend"
    settings.CAMPAIGN_UNKNOWN_SETTLE_SECONDS = 60
    sent_at = timezone.now() - timedelta(minutes=2)
    campaign = CampaignFactory(
        user=user, status="completed", started_at=sent_at, completed_at=sent_at, recipients_written_at=sent_at,
        last_progress_at=sent_at,
    )  # fmt: skip
    delivered, missing = unknown_rows(campaign, 2, claimed_at=sent_at)
    deliver(SendGridProvider(), campaign, [delivered])

    assert send(resolve_unknown_outcomes) == {"found": 1, "resent": 1, "held": 0, "awaiting": 0}

    assert sorted(fake_sendgrid.recipients()) == sorted([delivered.email.lower(), missing.email.lower()])
    assert not fake_sendgrid.duplicates()
    resent = fake_sendgrid.messages[-1]
    assert resent.to == missing.email and resent.custom_args["result_id"] == str(missing.pk)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.COMPLETED

    response = auth_client.get(f"/api/campaigns/{campaign.pk}/results/")
    results = {r["id"]: r for r in response.data["results"]}
    again = results[str(missing.pk)]
    assert (again["status"], again["resolution"]) == ("sent", "resent")
    assert again["resolution_note"].endswith("Not in the log of sendgrid 60 s after the send: sent once more.")
    assert again["provider_message_id"]
    assert (results[str(delivered.pk)]["status"], results[str(delivered.pk)]["resolution"]) == ("sent", "found")
    outcomes = response.data["totals"]["unknown_outcomes"]
    assert (outcomes["unknown"], outcomes["resolved_found_at_provider"], outcomes["resolved_sent_once_more"]) == (
        0,
        1,
        1,
    )

    # Asked again later, nothing changes: neither row is unknown any more.
    assert send(resolve_unknown_outcomes) == {"found": 0, "resent": 0, "held": 0, "awaiting": 0}
    assert len(fake_sendgrid.recipients()) == 2
    assert CampaignLeadResult.objects.filter(campaign=campaign, status="sent").count() == 2


def test_a_failed_campaign_gets_the_row_back_but_is_not_restarted(user, fake_sendgrid, settings, send):
    """The resolver puts the row back to pending like the owner's resend, but a campaign that failed
    (for a reason a person must fix) stays failed: the row is sent when its owner starts it again."""
    settings.CAMPAIGN_UNKNOWN_NOT_FOUND = "resend"
    settings.CAMPAIGN_UNKNOWN_SETTLE_SECONDS = 60
    sent_at = timezone.now() - timedelta(minutes=2)
    campaign = CampaignFactory(
        user=user, status="failed", failure_reason="Every provider refuses our credentials.", started_at=sent_at,
        recipients_written_at=sent_at, last_progress_at=sent_at,
    )  # fmt: skip
    [missing] = unknown_rows(campaign, 1, claimed_at=sent_at)

    assert send(resolve_unknown_outcomes)["resent"] == 1

    campaign.refresh_from_db()
    assert (campaign.status, campaign.failure_reason) == ("failed", "Every provider refuses our credentials.")
    missing.refresh_from_db()
    assert (missing.status, missing.resolution, missing.claimed_at) == ("pending", "resent", None)
    assert fake_sendgrid.recipients() == []
