"""A campaign `scheduled_at` that has passed is a 400, on create, update and start; leaving it out (or
null) on start is the explicit way to send now. A naive time is read as Asia/Seoul."""

import datetime

import pytest
import time_machine

from apps.campaigns.models import Campaign
from conftest import client_for

from .factories import CampaignFactory, CampaignTemplateFactory, LeadListFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 2, 13, 35, tzinfo=datetime.UTC)  # 22:35 in Seoul


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_create_with_a_past_schedule_is_400_and_stores_nothing(frozen, user):
    template = CampaignTemplateFactory(user=user)
    body = {"name": "지난 일정", "template": str(template.pk), "scheduled_at": "2026-03-02T13:00:00Z"}
    response = client_for(user).post("/api/campaigns/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "has passed" in response.json()["fields"]["scheduled_at"][0]
    assert "2026-03-02T13:35:00.000000Z" in response.json()["fields"]["scheduled_at"][0]
    assert not Campaign.objects.filter(user=user).exists()


def test_naive_time_is_seoul_time(frozen, user):
    template = CampaignTemplateFactory(user=user)
    client = client_for(user)
    # 22:00 today in Seoul is 13:00 UTC: passed. 23:00 in Seoul is 14:00 UTC: ahead.
    past = client.post(
        "/api/campaigns/", {"name": "a", "template": str(template.pk), "scheduled_at": "2026-03-02T22:00"}
    )
    assert past.status_code == 400
    ahead = client.post(
        "/api/campaigns/", {"name": "b", "template": str(template.pk), "scheduled_at": "2026-03-02T23:00"}
    )
    assert ahead.status_code == 201, ahead.content
    assert ahead.json()["scheduled_at"] == "2026-03-02T14:00:00.000000Z"


def test_update_to_a_past_schedule_is_400_and_keeps_the_stored_one(frozen, user):
    ahead = NOW + datetime.timedelta(hours=2)
    campaign = CampaignFactory(user=user, scheduled_at=ahead)
    response = client_for(user).patch(
        f"/api/campaigns/{campaign.pk}/", {"scheduled_at": "2026-03-02T22:00:00+09:00"}, format="json"
    )
    assert response.status_code == 400 and "scheduled_at" in response.json()["fields"]
    campaign.refresh_from_db()
    assert campaign.scheduled_at == ahead


def test_a_schedule_that_passed_since_can_be_sent_back_unchanged(user):
    with time_machine.travel(NOW - datetime.timedelta(days=1), tick=False):
        campaign = CampaignFactory(user=user, scheduled_at=NOW - datetime.timedelta(hours=1))
    with time_machine.travel(NOW, tick=False):
        client = client_for(user)
        body = client.get(f"/api/campaigns/{campaign.pk}/").json()
        response = client.put(f"/api/campaigns/{campaign.pk}/", {**body, "name": "새 이름"}, format="json")
    assert response.status_code == 200, response.content


def test_start_with_a_past_schedule_is_400_and_start_without_one_sends_now(frozen, user):
    campaign = CampaignFactory(user=user, leadlists=[LeadListFactory(user=user)])
    client = client_for(user)
    url = f"/api/campaigns/{campaign.pk}/start/"
    refused = client.post(url, {"scheduled_at": "2026-03-02T12:00:00Z"}, format="json")
    assert refused.status_code == 400 and "scheduled_at" in refused.json()["fields"]
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT and campaign.scheduled_at is None

    started = client.post(url, {}, format="json")
    assert started.status_code == 200, started.content
    assert started.json()["status"] == Campaign.Status.IN_PROGRESS
    assert started.json()["started_at"] == "2026-03-02T13:35:00.000000Z"
