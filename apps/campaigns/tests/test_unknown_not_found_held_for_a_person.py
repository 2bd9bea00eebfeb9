"""A row the provider's log still does not show once the settle window is over is held for a person
(the default): it stays unknown, says why, is counted as held, and the provider is not asked again."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from apps.campaigns.services import UNKNOWN_OUTCOME_REASON
from apps.campaigns.tasks import resolve_unknown_outcomes

from .factories import CampaignFactory, unknown_rows

pytestmark = pytest.mark.django_db
SENT_AT = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def test_row_missing_from_the_log_after_the_window_is_held(auth_client, user, fake_sendgrid, settings):
    assert settings.CAMPAIGN_UNKNOWN_NOT_FOUND == "hold"
    settle = settings.CAMPAIGN_UNKNOWN_SETTLE_SECONDS
    with time_machine.travel(SENT_AT, tick=False) as clock:
        campaign = CampaignFactory(user=user, status="completed", last_progress_at=timezone.now())
        unknown_rows(campaign, 1)

        clock.shift(timedelta(seconds=settle - 1))
        assert resolve_unknown_outcomes()["awaiting"] == 1
        clock.shift(timedelta(seconds=2))
        assert resolve_unknown_outcomes() == {"found": 0, "resent": 0, "held": 1, "awaiting": 0}
        clock.shift(timedelta(minutes=5))
        assert resolve_unknown_outcomes() == {"found": 0, "resent": 0, "held": 0, "awaiting": 0}

    assert len(fake_sendgrid.log_queries) == 2, "a held row's campaign is not asked about again"
    assert fake_sendgrid.recipients() == [], "nothing is sent"
    response = auth_client.get(f"/api/campaigns/{campaign.pk}/results/")
    [result] = response.data["results"]
    assert result["status"] == "unknown" and result["resolution"] == "held"
    assert result["error_message"] == UNKNOWN_OUTCOME_REASON
    assert result["resolution_note"] == (
        f"{UNKNOWN_OUTCOME_REASON} — Not in the log of sendgrid {settle} s after the send: held for a person."
    )
    outcomes = response.data["totals"]["unknown_outcomes"]
    assert (outcomes["unknown"], outcomes["awaiting_provider"], outcomes["held_for_a_person"]) == (1, 0, 1)
    assert outcomes["reasons"] == [{"reason": UNKNOWN_OUTCOME_REASON, "count": 1}]
