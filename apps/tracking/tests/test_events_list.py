from datetime import UTC, datetime, timedelta

import pytest

from apps.leads.tests.factories import LeadFactory
from apps.tracking.services import events_ingest, new_event

from .factories import CampaignFactory, ResultFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"


def _record(result, kind, minutes, user_agent=BROWSER, **extra):
    events_ingest(
        events=[
            new_event(
                kind=kind,
                source="pixel",
                result_id=result.id,
                occurred_at=(T0 + timedelta(minutes=minutes)).timestamp(),
                user_agent=user_agent,
                **extra,
            )
        ]
    )


@pytest.fixture
def campaign(user):
    return CampaignFactory(user=user)


def test_lists_the_users_events_newest_first(auth_client, campaign):
    result = ResultFactory(campaign=campaign, sent_at=T0, lead=LeadFactory(user=campaign.user))
    _record(result, "open", 10)
    _record(result, "click", 20, url="https://shop.example.co.kr/")
    response = auth_client.get("/api/tracking/events/", {"campaign": str(campaign.id)})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [e["kind"] for e in body["results"]] == ["click", "open"]
    first = body["results"][0]
    assert first["result"] == str(result.id) and first["lead"] == str(result.lead_id)
    assert first["occurred_at"] == "2026-03-02T01:20:00.000000Z"  # UTC, whatever TIME_ZONE is
    assert first["url"] == "https://shop.example.co.kr/"


def test_another_users_events_are_invisible(auth_client, other_client, campaign):
    result = ResultFactory(campaign=campaign, sent_at=T0)
    _record(result, "open", 10)
    assert other_client.get("/api/tracking/events/").json()["count"] == 0
    event_id = auth_client.get("/api/tracking/events/").json()["results"][0]["id"]
    assert other_client.get(f"/api/tracking/events/{event_id}/").status_code == 404
    assert auth_client.get(f"/api/tracking/events/{event_id}/").status_code == 200


def test_filters_by_kind_machine_and_time(auth_client, campaign):
    result = ResultFactory(campaign=campaign, sent_at=T0)
    _record(result, "open", 10, user_agent="Mozilla/5.0", machine_reason="apple_mpp")
    _record(result, "open", 30)
    _record(result, "delivered", 1)
    listing = auth_client.get
    assert listing("/api/tracking/events/", {"kind": "open"}).json()["count"] == 2
    assert listing("/api/tracking/events/", {"kind": "open", "is_machine": "true"}).json()["count"] == 1
    after = (T0 + timedelta(minutes=5)).isoformat()
    assert listing("/api/tracking/events/", {"occurred_after": after}).json()["count"] == 2
    assert listing("/api/tracking/events/", {"kind": ["open", "delivered"], "page_size": 1}).json()["count"] == 3


def test_requires_authentication(api_client):
    assert api_client.get("/api/tracking/events/").status_code == 401


def test_totals_show_human_counts_and_rates(auth_client, campaign):
    opened, clicked, bounced, quiet = ResultFactory.create_batch(4, campaign=campaign, sent_at=T0)
    _record(opened, "open", 30)
    _record(opened, "open", 40, user_agent="Mozilla/5.0", machine_reason="apple_mpp")
    _record(clicked, "click", 50, url="https://a.kr/")
    _record(clicked, "click", 0, url="https://a.kr/")  # seconds after sending: scanner
    _record(bounced, "bounce", 1, suppress="bounced")
    _record(quiet, "unsubscribe", 90)
    response = auth_client.get("/api/tracking/events/totals/", {"campaign": str(campaign.id)})
    assert response.status_code == 200
    totals = response.json()
    assert totals["sent"] == 4
    assert (totals["opened"], totals["clicked"], totals["bounced"], totals["unsubscribed"]) == (2, 1, 1, 1)
    assert (totals["machine_opens"], totals["machine_clicks"]) == (1, 1)
    assert (totals["open_rate"], totals["click_rate"], totals["bounce_rate"]) == (0.5, 0.25, 0.25)


def test_totals_of_another_users_campaign_is_404(other_client, campaign):
    response = other_client.get("/api/tracking/events/totals/", {"campaign": str(campaign.id)})
    assert response.status_code == 404


def test_totals_without_a_campaign_is_400(auth_client):
    response = auth_client.get("/api/tracking/events/totals/")
    assert response.status_code == 400
    assert "campaign" in response.json()["fields"]
