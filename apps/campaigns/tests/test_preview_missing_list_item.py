"""Preview names a list item the template reads (company.homepage.0) only when the lead lacks it;
it used to name every list item, present or not, so a real gap drowned among false ones."""

import pytest

from .factories import CampaignTemplateFactory, LeadFactory

pytestmark = pytest.mark.django_db


def preview(client, template, lead):
    body = {"lead_id": str(lead.pk), "is_advertising": False}
    return client.post(f"/api/campaign-templates/{template.pk}/preview/", body, format="json")


def test_only_the_missing_list_items_are_named(auth_client, user):
    template = CampaignTemplateFactory(user=user, body="{{ company.homepage.0 }} {{ company.homepage[2] }}")

    with_homepages = LeadFactory(user=user, homepage=["https://semo.co.kr", "https://semo.kr"])
    response = preview(auth_client, template, with_homepages)
    assert response.status_code == 200
    assert "<body>\nhttps://semo.co.kr \n</body>" in response.data["html"]
    assert response.data["missing_variables"] == ["company.homepage.2"]

    without = LeadFactory(user=user, homepage=[])
    response = preview(auth_client, template, without)
    assert response.data["missing_variables"] == ["company.homepage.0", "company.homepage.2"]


def test_a_homepage_stored_as_a_bare_string_previews(auth_client, user):
    """The admin's JSON field lets staff store a bare string; the preview shows it (it answered 500)."""
    template = CampaignTemplateFactory(user=user, body="{{ company.homepage }}")
    lead = LeadFactory(user=user, homepage="https://semo.co.kr")

    response = preview(auth_client, template, lead)

    assert response.status_code == 200
    assert "https://semo.co.kr" in response.data["html"]
