"""The spam check says what is wrong with its input (400) and never scores another user's template."""

from apps.campaigns.tests.factories import CampaignTemplateFactory
from conftest import client_for

URL = "/api/deliverability/spam-check/"


def test_nothing_to_check(user):
    response = client_for(user).post(URL, {"subject": "제안"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["fields"] == {"non_field_errors": ["Send subject and html, or template_id."]}


def test_template_and_html_together(user):
    template = CampaignTemplateFactory(user=user)
    response = client_for(user).post(
        URL, {"template_id": str(template.pk), "subject": "a", "html": "<p>b</p>"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"non_field_errors": ["Send either template_id or subject and html, not both."]}


def test_another_users_template_or_lead(user, other_user):
    foreign = CampaignTemplateFactory(user=other_user)
    response = client_for(user).post(URL, {"template_id": str(foreign.pk)}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["fields"] == {"template_id": ["No template of yours has this id."]}

    mine = CampaignTemplateFactory(user=user)
    response = client_for(user).post(
        URL, {"template_id": str(mine.pk), "lead_id": "00000000-0000-0000-0000-000000000001"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"lead_id": ["No lead of yours has this id."]}


def test_broken_template_is_a_400(user):
    template = CampaignTemplateFactory(user=user, body="<p>{{ company.name }</p>")
    response = client_for(user).post(URL, {"template_id": str(template.pk)}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("The template could not be rendered")
