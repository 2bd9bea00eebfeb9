"""SendGrid's activity log lags: a message it accepted is missing from it for a while. Within the
settle window the row waits, unknown, and is asked about again; once the log shows it, it is sent."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from apps.campaigns.models import CampaignLeadResult
from apps.campaigns.tasks import resolve_unknown_outcomes
from services.email.sendgrid import SendGridProvider

from .factories import CampaignFactory, deliver, unknown_rows

pytestmark = pytest.mark.django_db
SENT_AT = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def test_row_waits_for_the_lagging_log_then_becomes_sent(user, fake_sendgrid, settings):
    settings.CAMPAIGN_UNKNOWN_SETTLE_SECONDS = 600
    settings.CAMPAIGN_UNKNOWN_NOT_FOUND = "resend"  # would send it again, were the window over
    fake_sendgrid.log_lag = 300
    with time_machine.travel(SENT_AT, tick=False) as clock:
        campaign = CampaignFactory(user=user, status="completed", last_progress_at=timezone.now())
        [row] = unknown_rows(campaign, 1)
        deliver(SendGridProvider(), campaign, [row])

        clock.shift(timedelta(minutes=1))
        assert resolve_unknown_outcomes() == {"found": 0, "resent": 0, "held": 0, "awaiting": 1}
        row.refresh_from_db()
        assert (row.status, row.resolution) == ("unknown", "")

        clock.shift(timedelta(minutes=4, seconds=30))  # 330 s after the send: the log shows it
        assert resolve_unknown_outcomes() == {"found": 1, "resent": 0, "held": 0, "awaiting": 0}

    row.refresh_from_db()
    assert (row.status, row.resolution, row.sent_at) == ("sent", "found", SENT_AT)
    assert len(fake_sendgrid.log_queries) == 2
    assert fake_sendgrid.recipients() == [row.email.lower()], "the lagging log must not cause a second e-mail"
    assert CampaignLeadResult.objects.get(pk=row.pk).campaign.status == "completed"
