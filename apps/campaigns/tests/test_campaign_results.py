"""results/: per-lead rows filtered by status and paginated, with totals and rates over e-mails sent."""

import pytest
from django.utils import timezone

from apps.campaigns.models import CampaignLeadResult

from .factories import CampaignFactory, LeadFactory

pytestmark = pytest.mark.django_db
R = CampaignLeadResult.Status


@pytest.fixture
def campaign(user):
    campaign = CampaignFactory(user=user, status="completed")
    now = timezone.now()
    rows = []
    for i in range(10):
        lead = LeadFactory(user=user)
        row = CampaignLeadResult(campaign=campaign, lead=lead, email=lead.email, status=R.SENT, sent=True, sent_at=now)
        if i < 4:
            row.opened_at = now
            row.status = R.OPENED
        if i < 2:
            row.clicked_at = now
            row.status = R.CLICKED
        if i == 0:
            row.replied_at = now
            row.status = R.REPLIED
        if i == 9:
            row.bounced_at = now
            row.status = R.BOUNCED
        if i == 8:
            row.unsubscribed_at = now
        rows.append(row)
    lead = LeadFactory(user=user, email="")
    rows.append(CampaignLeadResult(campaign=campaign, lead=lead, status=R.FAILED, error_message="no address"))
    CampaignLeadResult.objects.bulk_create(rows)
    return campaign


def test_totals_count_engagement_from_timestamps_with_rates_over_sent(auth_client, campaign):
    response = auth_client.get(f"/api/campaigns/{campaign.pk}/results/")
    assert response.status_code == 200
    totals = response.data["totals"]
    assert totals["recipients"] == 11
    assert totals["sent"] == 10
    assert totals["failed"] == 1
    assert totals["opened"] == 4 and totals["open_rate"] == 0.4
    assert totals["clicked"] == 2 and totals["click_rate"] == 0.2
    assert totals["replied"] == 1 and totals["reply_rate"] == 0.1
    assert totals["bounced"] == 1 and totals["bounce_rate"] == 0.1
    assert totals["unsubscribed"] == 1 and totals["unsubscribe_rate"] == 0.1
    assert response.data["count"] == 11


def test_results_filter_by_status_and_paginate(auth_client, campaign):
    response = auth_client.get(f"/api/campaigns/{campaign.pk}/results/?status=failed")
    assert response.data["count"] == 1
    assert response.data["results"][0]["error_message"] == "no address"
    page = auth_client.get(f"/api/campaigns/{campaign.pk}/results/?page_size=4&page=2")
    assert len(page.data["results"]) == 4
    assert page.data["next"] is not None and page.data["previous"] is not None
    assert page.data["totals"]["recipients"] == 11  # totals are over the campaign, not the page


def test_unknown_status_filter_is_400(auth_client, campaign):
    response = auth_client.get(f"/api/campaigns/{campaign.pk}/results/?status=nope", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["fields"]["status"] == [f"'nope' is not one of: {', '.join(R.values)}."]


def test_unknown_parameter_is_400_naming_what_the_results_take(auth_client, campaign):
    response = auth_client.get(f"/api/campaigns/{campaign.pk}/results/?state=failed", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    message = response.json()["fields"]["state"][0]
    assert "This list takes: " in message and "status" in message


@pytest.mark.parametrize("state", [R.OPENED, R.BOUNCED, R.FAILED])
def test_every_state_filters_to_its_own_rows(auth_client, campaign, state):
    rows = auth_client.get(f"/api/campaigns/{campaign.pk}/results/?status={state}").json()["results"]
    assert rows and {row["status"] for row in rows} == {state}
    assert len(rows) == CampaignLeadResult.objects.filter(campaign=campaign, status=state).count()


def test_delivery_filter_lists_the_rows_a_total_counts(auth_client, campaign):
    totals = auth_client.get(f"/api/campaigns/{campaign.pk}/results/").json()["totals"]
    body = auth_client.get(f"/api/campaigns/{campaign.pk}/results/?delivery=opened&page_size=100").json()

    # Opened 4: rows since clicked or replied included, which ?status=opened would leave out.
    assert body["count"] == totals["opened"] == 4
    assert {row["status"] for row in body["results"]} == {R.OPENED, R.CLICKED, R.REPLIED}
    both = auth_client.get(f"/api/campaigns/{campaign.pk}/results/?delivery=opened&status=clicked").json()
    assert both["count"] == 1
    wrong = auth_client.get(f"/api/campaigns/{campaign.pk}/results/?delivery=recipients", HTTP_ACCEPT_LANGUAGE="en")
    assert wrong.status_code == 400 and "'recipients' is not one of: pending" in wrong.json()["fields"]["delivery"][0]
