"""Machine opens are kept and flagged, never counted as human opens (apps/tracking/machine.py)."""

import pytest

from apps.campaigns.models import CampaignLeadResult
from apps.campaigns.tracking import result_token
from apps.tracking.models import TrackingEvent
from apps.tracking.selectors import campaign_tracking_totals

from .factories import ResultFactory

pytestmark = pytest.mark.django_db

GMAIL_PROXY = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"
OUTLOOK = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Outlook/16.0"


@pytest.mark.parametrize(
    ("user_agent", "ip", "reason"),
    [
        ("Mozilla/5.0", "203.0.113.9", "apple_mpp"),  # Apple Mail Privacy Protection's bare agent
        (OUTLOOK, "17.58.101.3", "apple_mpp"),  # from Apple's proxy network
        (GMAIL_PROXY, "66.249.84.1", "google_image_proxy"),
        ("python-requests/2.31", "198.51.100.4", "scanner_user_agent"),
        ("", "198.51.100.4", "scanner_user_agent"),
    ],
)
def test_machine_open_is_flagged_and_not_counted(client, drain, user_agent, ip, reason):
    result = ResultFactory()
    response = client.get(f"/api/t/o/{result_token(result.id)}/", HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    assert response.status_code == 200  # the proxy still gets its image
    drain()

    event = TrackingEvent.objects.get()
    assert event.is_machine and event.machine_reason == reason
    result.refresh_from_db()
    assert result.opened_at is None and result.open_count == 0
    assert result.status == CampaignLeadResult.Status.SENT
    totals = campaign_tracking_totals(result.campaign)
    assert (totals["opened"], totals["machine_opens"], totals["open_rate"]) == (0, 1, 0.0)


def test_human_open_after_a_machine_open_counts(client, drain):
    result = ResultFactory()
    client.get(f"/api/t/o/{result_token(result.id)}/", HTTP_USER_AGENT="Mozilla/5.0")
    client.get(f"/api/t/o/{result_token(result.id)}/", HTTP_USER_AGENT=OUTLOOK, REMOTE_ADDR="211.36.140.7")
    drain()
    result.refresh_from_db()
    human = TrackingEvent.objects.get(is_machine=False)
    assert result.opened_at == human.occurred_at
    assert result.open_count == 1
    totals = campaign_tracking_totals(result.campaign)
    assert (totals["opened"], totals["opens"], totals["machine_opens"], totals["open_rate"]) == (1, 1, 1, 1.0)
