"""Saving a template renders it for the sample lead: an error or a broken limit answers 400 with
the line, and nothing is stored. Nothing a user wrote is evaluated by the compiler."""

import pytest

from apps.campaigns.models import CampaignTemplate

from .factories import CampaignTemplateFactory

pytestmark = pytest.mark.django_db
URL = "/api/campaign-templates/"


def test_render_error_refuses_the_save_with_its_line(auth_client):
    response = auth_client.post(
        URL, {"name": "x", "title": "안녕하세요", "body": "<p>안녕하세요</p>\n{{ 1/0 }}"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "body": ["Line 2: ZeroDivisionError: division by zero (rendered for the sample lead)"]
    }
    assert not CampaignTemplate.objects.exists()


def test_limit_refuses_the_save_naming_it(auth_client):
    response = auth_client.post(URL, {"name": "x", "title": "{{ 9**(9**7) }}", "body": "ok"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["fields"]["title"] == [
        "Line 1: The template computes an integer longer than 1,000 digits (TEMPLATE_INTEGER_DIGITS_LIMIT) "
        "(rendered for the sample lead)"
    ]


def test_update_over_a_limit_keeps_the_stored_template(auth_client, user):
    template = CampaignTemplateFactory(user=user, body="<p>{{ company.name }}</p>")
    response = auth_client.patch(
        f"{URL}{template.pk}/",
        {"body": "{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "TEMPLATE_LOOP_ITERATIONS_LIMIT" in response.json()["fields"]["body"][0]
    template.refresh_from_db()
    assert template.body == "<p>{{ company.name }}</p>"


def test_template_using_every_variable_saves(auth_client):
    body = (
        "<p>{{ company.owner }} {{ lead.name }} {{ company.homepage[0] }} {{ user.name }} "
        "{{ campaign.name }} {{ data['llm-generation'] }} {{ company.revenue // company.employee }}</p>"
    )
    response = auth_client.post(URL, {"name": "x", "title": "{{ company.name }}", "body": body})
    assert response.status_code == 201, response.data
