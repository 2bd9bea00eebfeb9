"""A template nested deeper than the parser can follow answers 400 at save, never a 500."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "body",
    ["{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}", "{% if 1 %}" * 2000 + "{% endif %}" * 2000],
    ids=["parentheses", "if blocks"],
)
def test_deeply_nested_template_is_refused(auth_client, body):
    response = auth_client.post(
        "/api/campaign-templates/", {"name": "x", "title": "t", "body": body}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"body": ["The template is nested too deeply."]}
