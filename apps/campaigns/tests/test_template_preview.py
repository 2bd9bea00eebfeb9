"""Preview: a template rendered for a lead, for test data or for a sample, with missing variables listed."""

import pytest

from .factories import CampaignTemplateFactory, LeadFactory

pytestmark = pytest.mark.django_db


def preview(client, template, body=None):
    return client.post(f"/api/campaign-templates/{template.pk}/preview/", body or {}, format="json")


def test_preview_for_one_of_my_leads(auth_client, user):
    lead = LeadFactory(user=user, owner="강윤구", name="(주)세모", homepage=[])
    template = CampaignTemplateFactory(
        user=user,
        title="안녕하세요 {{ company.owner }} 대표님!",
        body="<p>{{ company.name }} {{ company.homepage }}</p>",
    )
    response = preview(auth_client, template, {"lead_id": str(lead.pk)})
    assert response.status_code == 200, response.data
    assert response.data["subject"] == "(광고) 안녕하세요 강윤구 대표님!"
    assert "<p>(주)세모" in response.data["html"]
    assert response.data["missing_variables"] == ["company.homepage"]
    assert response.data["source"] == "lead"


def test_preview_lists_variables_the_test_data_lacks(auth_client, user):
    template = CampaignTemplateFactory(
        user=user, title="{{ company.owner }}님", body="{{ company.revenue }} {{ data.x }}"
    )
    response = preview(auth_client, template, {"test_data": {"company": {"owner": "김철수"}}, "is_advertising": False})
    assert response.status_code == 200
    assert response.data["subject"] == "김철수님"
    assert response.data["missing_variables"] == ["company.revenue", "data.x"]


def test_preview_with_a_sample_lead_fills_everything(auth_client, user):
    template = CampaignTemplateFactory(user=user)
    response = preview(auth_client, template)
    assert response.status_code == 200
    assert response.data["source"] == "sample"
    assert response.data["missing_variables"] == []
    assert "홍길동" in response.data["subject"]


def test_preview_escapes_html_in_lead_values(auth_client, user):
    lead = LeadFactory(user=user, name="<script>alert(1)</script>")
    template = CampaignTemplateFactory(user=user, body="<p>{{ company.name }}</p>")
    response = preview(auth_client, template, {"lead_id": str(lead.pk), "is_advertising": False})
    assert "<script>" not in response.data["html"]
    assert "&lt;script&gt;" in response.data["html"]


def test_preview_with_another_users_lead_is_refused(auth_client, user, other_user):
    lead = LeadFactory(user=other_user)
    template = CampaignTemplateFactory(user=user)
    response = preview(auth_client, template, {"lead_id": str(lead.pk)})
    assert response.status_code == 400
    assert "lead_id" in response.data["fields"]


def test_huge_string_built_at_render_time_is_refused(auth_client, user):
    template = CampaignTemplateFactory(user=user, body="{{ 'x' * 100000000 }}")
    response = preview(auth_client, template)
    assert response.status_code == 400
    assert "100,000" in response.data["detail"]
