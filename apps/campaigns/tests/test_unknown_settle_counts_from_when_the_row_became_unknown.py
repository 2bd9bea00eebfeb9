"""The settle window runs from when a row became unknown, not from its claim: a chunk's request can
leave minutes after the claim (its copy generated first, a rate-limit wait). A log that has not yet
caught up with that request must not get the lead a second e-mail: the row waits, then is found."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from apps.campaigns.models import CampaignLeadResult
from apps.campaigns.services import campaigns_reconcile
from apps.campaigns.tasks import resolve_unknown_outcomes
from apps.leads.tests.factories import LeadFactory
from services.email.sendgrid import SendGridProvider

from .factories import CampaignFactory, deliver

pytestmark = pytest.mark.django_db
CLAIMED_AT = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def test_request_sent_long_after_the_claim_is_found_not_sent_again(auth_client, user, fake_sendgrid, settings, send):
    settings.CAMPAIGN_UNKNOWN_NOT_FOUND = "resend"
    settings.CAMPAIGN_UNKNOWN_SETTLE_SECONDS = 600  # longer than the log's lag
    settings.CAMPAIGN_SEND_LEASE_SECONDS = 900
    fake_sendgrid.log_lag = 480
    with time_machine.travel(CLAIMED_AT, tick=False) as clock:
        campaign = CampaignFactory(
            user=user, status="in_progress", started_at=CLAIMED_AT, recipients_written_at=CLAIMED_AT,
            last_progress_at=CLAIMED_AT,
        )  # fmt: skip
        lead = LeadFactory(user=user)
        row = CampaignLeadResult.objects.create(
            campaign=campaign, lead=lead, email=lead.email, chunk=0, status="sending", claimed_at=CLAIMED_AT
        )
        clock.shift(timedelta(minutes=8))
        deliver(SendGridProvider(), campaign, [row])  # the request leaves; its worker dies before recording it

        clock.shift(timedelta(minutes=7, seconds=1))  # the lease is over: the row becomes unknown
        assert send(campaigns_reconcile)["unknown"] == 1
        # 15 min after the claim, 7 after the send: the log does not show it yet (8 min lag).
        assert send(resolve_unknown_outcomes) == {"found": 0, "resent": 0, "held": 0, "awaiting": 1}
        assert fake_sendgrid.recipients() == [lead.email.lower()]

        clock.shift(timedelta(minutes=10))
        assert send(resolve_unknown_outcomes) == {"found": 1, "resent": 0, "held": 0, "awaiting": 0}

    assert fake_sendgrid.recipients() == [lead.email.lower()], "the lead must get one e-mail"
    response = auth_client.get(f"/api/campaigns/{campaign.pk}/results/")
    [result] = response.data["results"]
    assert (result["status"], result["resolution"], result["sent_at"]) == (
        "sent",
        "found",
        "2026-03-02T01:08:00.000000Z",
    )
