"""Preview names a list item the template reads (company.homepage.0) when the lead lacks it."""

import pytest

from .factories import CampaignTemplateFactory, LeadFactory

pytestmark = pytest.mark.django_db


def preview(client, template, body=None):
    return client.post(f"/api/campaign-templates/{template.pk}/preview/", body or {}, format="json")


def test_missing_first_homepage_is_named(auth_client, user):
    lead = LeadFactory(user=user, homepage=[])
    template = CampaignTemplateFactory(user=user, body="<a href='{{ company.homepage[0] }}'>홈페이지</a>")
    response = preview(auth_client, template, {"lead_id": str(lead.pk), "is_advertising": False})
    assert response.status_code == 200
    assert response.data["html"] == "<a href=''>홈페이지</a>"
    assert response.data["missing_variables"] == ["company.homepage.0"]


def test_present_first_homepage_is_not_named(auth_client, user):
    lead = LeadFactory(user=user, homepage=["https://semo.co.kr", "https://semo.kr"])
    template = CampaignTemplateFactory(user=user, body="{{ company.homepage.0 }} {{ company.homepage[2] }}")
    response = preview(auth_client, template, {"lead_id": str(lead.pk), "is_advertising": False})
    assert response.status_code == 200
    assert response.data["html"] == "https://semo.co.kr "
    assert response.data["missing_variables"] == ["company.homepage.2"]
