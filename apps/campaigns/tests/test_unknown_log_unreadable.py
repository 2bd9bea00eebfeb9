"""While the provider's log cannot be read (SendGrid's 6 requests a minute spent: 429, or an outage),
a row is never held or sent again blind, even past the settle window with re-sending on: it waits,
and is resolved by the next run that can read the log."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.campaigns.tasks import resolve_unknown_outcomes
from services.email.sendgrid import SendGridProvider

from .factories import CampaignFactory, deliver, unknown_rows

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("status", [429, 503])
def test_row_waits_while_the_log_cannot_be_read(user, fake_sendgrid, settings, send, status):
    settings.CAMPAIGN_UNKNOWN_NOT_FOUND = "resend"
    settings.CAMPAIGN_UNKNOWN_SETTLE_SECONDS = 60
    sent_at = timezone.now() - timedelta(minutes=5)
    campaign = CampaignFactory(user=user, status="completed", last_progress_at=sent_at, recipients_written_at=sent_at)
    [row] = unknown_rows(campaign, 1, claimed_at=sent_at)
    deliver(SendGridProvider(), campaign, [row])
    fake_sendgrid.log_script = [status]

    assert send(resolve_unknown_outcomes) == {"found": 0, "resent": 0, "held": 0, "awaiting": 1}
    row.refresh_from_db()
    assert (row.status, row.resolution) == ("unknown", "")
    assert len(fake_sendgrid.recipients()) == 1

    assert send(resolve_unknown_outcomes) == {"found": 1, "resent": 0, "held": 0, "awaiting": 0}
    row.refresh_from_db()
    assert (row.status, row.resolution) == ("sent", "found")
    assert len(fake_sendgrid.recipients()) == 1, "never sent twice"
