"""Campaign list and detail carry the delivery totals and rates of selectors.campaigns_with_totals:
the same numbers the results page and the admin show, machine opens apart, read without a query per row."""

import uuid
from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.campaigns.models import CampaignLeadResult
from apps.campaigns.selectors import campaign_daily_totals
from apps.tracking.models import TrackingEvent

from .factories import CampaignFactory, LeadFactory

pytestmark = pytest.mark.django_db
R = CampaignLeadResult.Status
# 2026-03-02 23:30 UTC is 3 March 08:30 in Seoul: the day sales staff see.
LATE_UTC = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)


def _row(campaign, **fields):
    lead = LeadFactory(user=campaign.user)
    return CampaignLeadResult.objects.create(campaign=campaign, lead=lead, email=lead.email, **fields)


def _machine_open(row):
    TrackingEvent.objects.create(
        result=row,
        campaign=row.campaign,
        kind=TrackingEvent.Kind.OPEN,
        occurred_at=row.sent_at,
        source=TrackingEvent.Source.PIXEL,
        user_agent="Mozilla/5.0",
        is_machine=True,
        machine_reason=TrackingEvent.MachineReason.APPLE_MPP,
        event_key=str(uuid.uuid4()),
    )


@pytest.fixture
def campaign(user):
    """8 recipients: 5 sent (2 opened by a person, 1 of them clicked and replied; 1 opened only by
    Apple's proxy; 1 bounced), 1 failed, 1 outcome unknown, 1 pending."""
    campaign = CampaignFactory(user=user, status="completed")
    sent = {"status": R.SENT, "sent": True, "sent_at": LATE_UTC}
    _row(campaign, **{**sent, "status": R.OPENED, "opened_at": LATE_UTC, "delivered_at": LATE_UTC})
    _row(
        campaign,
        **{**sent, "status": R.REPLIED, "opened_at": LATE_UTC, "clicked_at": LATE_UTC, "replied_at": LATE_UTC},
        delivered_at=LATE_UTC,
    )
    _machine_open(_row(campaign, **sent, delivered_at=LATE_UTC))
    _row(campaign, **sent, unsubscribed_at=datetime(2026, 3, 5, 1, 0, tzinfo=UTC))
    _row(campaign, **{**sent, "status": R.BOUNCED, "bounced_at": LATE_UTC})
    _row(campaign, status=R.FAILED, error_message="no address")
    _row(campaign, status=R.UNKNOWN, error_message="Outcome unknown: the worker stopped")
    _row(campaign, status=R.PENDING)
    return campaign


def test_detail_carries_totals_and_rates_over_sent(auth_client, campaign):
    body = auth_client.get(f"/api/campaigns/{campaign.pk}/").json()

    assert body["totals"] == {
        "recipients": 8,
        "pending": 1,
        "sending": 0,
        "sent": 5,
        "delivered": 3,
        "opened": 2,
        "machine_opened": 1,  # Apple's proxy fetched the pixel: not a person, not in opened
        "clicked": 1,
        "replied": 1,
        "bounced": 1,
        "unsubscribed": 1,
        "complained": 0,
        "failed": 1,
        "unknown": 1,
        "opens_tracked": True,
        "clicks_tracked": True,
    }
    assert body["rates"] == {
        "delivery_rate": 0.6,
        "open_rate": 0.4,
        "click_rate": 0.2,
        "reply_rate": 0.2,
        "bounce_rate": 0.2,
        "unsubscribe_rate": 0.2,
    }


def test_list_shows_the_same_numbers_as_the_results_page(auth_client, campaign):
    listed = auth_client.get("/api/campaigns/").json()["results"][0]
    results_page = auth_client.get(f"/api/campaigns/{campaign.pk}/results/").json()["totals"]

    for name, value in {**listed["totals"], **listed["rates"]}.items():
        assert results_page[name] == value, name


def test_rates_are_null_with_nothing_sent_and_opens_null_when_not_tracked(auth_client, user):
    draft = CampaignFactory(user=user)
    body = auth_client.get(f"/api/campaigns/{draft.pk}/").json()
    assert body["totals"]["recipients"] == 0
    assert set(body["rates"].values()) == {None}

    plain = CampaignFactory(user=user, plain_text=True, status="completed")
    _row(plain, status=R.SENT, sent=True, sent_at=LATE_UTC, replied_at=LATE_UTC)
    rates = auth_client.get(f"/api/campaigns/{plain.pk}/").json()["rates"]
    assert (rates["open_rate"], rates["click_rate"], rates["reply_rate"]) == (None, None, 1.0)


def test_created_campaign_answers_with_zero_totals(auth_client, user):
    template = CampaignFactory(user=user).template
    response = auth_client.post("/api/campaigns/", {"name": "신규", "template": str(template.pk)}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["totals"]["recipients"] == 0 and response.json()["rates"]["open_rate"] is None


def _list_queries(auth_client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = auth_client.get("/api/campaigns/?page_size=50")
    assert response.status_code == 200
    return len(queries)


def test_list_query_count_does_not_grow_with_rows(auth_client, user, campaign):
    one = _list_queries(auth_client)
    for _ in range(6):
        other = CampaignFactory(user=user, status="completed")
        _machine_open(_row(other, status=R.SENT, sent=True, sent_at=LATE_UTC))
        _row(other, status=R.FAILED)

    assert _list_queries(auth_client) == one
    listed = auth_client.get("/api/campaigns/?page_size=50").json()["results"]
    assert len(listed) == 7
    assert sorted(c["totals"]["machine_opened"] for c in listed) == [1] * 7


def test_other_users_rows_never_reach_the_totals(auth_client, campaign):
    stranger = CampaignFactory()
    _row(stranger, status=R.SENT, sent=True, sent_at=LATE_UTC)
    assert auth_client.get(f"/api/campaigns/{stranger.pk}/").status_code == 404
    assert auth_client.get(f"/api/campaigns/{campaign.pk}/").json()["totals"]["recipients"] == 8


def test_schema_documents_totals_and_nullable_rates(auth_client):
    schema = auth_client.get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]
    campaign = components["Campaign"]["properties"]
    assert campaign["totals"]["allOf"][0]["$ref"].endswith("/CampaignDeliveryTotals")
    assert {"totals", "rates"} <= set(components["Campaign"]["required"])
    rates = components["CampaignRates"]["properties"]
    assert all(rates[name]["nullable"] for name in rates)
    assert "machine_opened" in components["CampaignDeliveryTotals"]["required"]


def test_daily_totals_are_seoul_days_with_empty_days_filled(campaign):
    days = campaign_daily_totals(campaign=campaign)

    assert [day["date"] for day in days] == [date(2026, 3, 3), date(2026, 3, 4), date(2026, 3, 5)]
    assert days[0] | {"date": None} == {
        "date": None,
        "sent": 5,
        "delivered": 3,
        "opened": 2,
        "clicked": 1,
        "replied": 1,
        "bounced": 1,
        "unsubscribed": 0,
    }
    assert set(days[1].values()) == {date(2026, 3, 4), 0}
    assert days[2]["unsubscribed"] == 1 and days[2]["sent"] == 0


def test_daily_endpoint_gives_the_days_to_the_owner_only(auth_client, other_client, campaign):
    url = f"/api/campaigns/{campaign.pk}/daily/"
    days = auth_client.get(url).json()
    assert [day["date"] for day in days] == ["2026-03-03", "2026-03-04", "2026-03-05"]
    assert days[0]["sent"] == 5 and days[2]["unsubscribed"] == 1
    assert other_client.get(url).status_code == 404


def test_a_person_and_a_machine_opening_counts_once_as_opened(auth_client, user):
    campaign = CampaignFactory(user=user, status="completed")
    row = _row(campaign, status=R.OPENED, sent=True, sent_at=LATE_UTC, opened_at=LATE_UTC)
    _machine_open(row)
    _machine_open(row)

    totals = auth_client.get(f"/api/campaigns/{campaign.pk}/").json()["totals"]
    assert (totals["opened"], totals["machine_opened"]) == (1, 0)
