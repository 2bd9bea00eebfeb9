"""Preview of a template whose render fails: a JSON 400 with the line and the message, never a 500.

The templates are stored directly (as if saved before saving rendered them for the sample lead).
"""

import pytest

from .factories import CampaignTemplateFactory, LeadFactory

pytestmark = pytest.mark.django_db


def preview(client, template, body=None):
    return client.post(
        f"/api/campaign-templates/{template.pk}/preview/", body or {}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("<p>{{ company.name }}</p>\n{{ 1/0 }}", "Line 2: ZeroDivisionError: division by zero"),
        ("<p>\n\n{{ company.name + 1 }}</p>", 'Line 3: TypeError: can only concatenate str (not "int") to str'),
        ("{{ company.name.upper(1, 2) }}", "Line 1: TypeError:"),
        ("{% macro f() %}{{ f() }}{% endmacro %}\n{{ f() }}", "RecursionError: maximum recursion depth exceeded"),
    ],
)
def test_render_error_answers_400_with_line_and_message(auth_client, user, body, message):
    template = CampaignTemplateFactory(user=user, body=body)
    response = preview(auth_client, template)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert message in response.json()["detail"]


def test_error_in_the_title_names_its_line(auth_client, user):
    template = CampaignTemplateFactory(user=user, title="{{ company.owner }}님 {{ company.employee // 0 }}")
    response = preview(auth_client, template)
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "The template could not be rendered: Line 1: ZeroDivisionError: integer division or modulo by zero"
    )


def test_error_only_for_one_lead_is_reported_for_that_lead(auth_client, user):
    """A template fine for the sample can still fail for a lead: preview for that lead says why."""
    lead = LeadFactory(user=user, employee=0)
    template = CampaignTemplateFactory(user=user, body="<p>직원당 매출\n{{ company.revenue // company.employee }}</p>")
    assert preview(auth_client, template).status_code == 200
    response = preview(auth_client, template, {"lead_id": str(lead.pk)})
    assert response.status_code == 400
    assert "Line 2: ZeroDivisionError" in response.json()["detail"]
