"""GET /api/leads/{id}/insights/: the company, its status, its engagement, a next step; cached until
the lead or its score changes."""

import datetime as dt

import pytest

from apps.leads.models import Lead
from apps.leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def test_insights_of_a_closed_company(auth_client, user):
    lead = LeadFactory(user=user, name="한빛테크", description="산업용 센서 제조")
    Lead.objects.filter(pk=lead.pk).update(business_status="closed", business_closed_on=dt.date(2025, 6, 30))
    body = auth_client.get(f"/api/leads/{lead.pk}/insights/").json()
    assert body["backend"] == "rule_based"
    assert "산업용 센서 제조" in body["company"] and "서울특별시" in body["company"]
    assert "2025-06-30" in body["status"]
    assert "캠페인에서 빼고" in body["next_step"]  # the default language is Korean


def test_insights_change_when_the_lead_changes(auth_client, user):
    lead = LeadFactory(user=user, description="")
    first = auth_client.get(f"/api/leads/{lead.pk}/insights/").json()
    assert auth_client.get(f"/api/leads/{lead.pk}/insights/").json() == first  # cached
    auth_client.patch(f"/api/leads/{lead.pk}/", {"description": "물류 자동화"}, format="json")
    assert "물류 자동화" in auth_client.get(f"/api/leads/{lead.pk}/insights/").json()["company"]


def test_insights_in_the_language_asked_for(auth_client, user):
    lead = LeadFactory(user=user)
    korean = auth_client.get(f"/api/leads/{lead.pk}/insights/", HTTP_ACCEPT_LANGUAGE="ko").json()
    english = auth_client.get(f"/api/leads/{lead.pk}/insights/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert korean["engagement"] == "아직 이메일 반응이 없습니다."
    assert english["engagement"] == "No e-mail engagement yet."


def test_another_users_insights_are_404(other_client, user):
    assert other_client.get(f"/api/leads/{LeadFactory(user=user).pk}/insights/").status_code == 404
