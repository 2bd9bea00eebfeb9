"""Templates: CRUD of your own, syntax errors with their line, sandbox escapes refused on save."""

import pytest

from .factories import CampaignTemplateFactory

pytestmark = pytest.mark.django_db
URL = "/api/campaign-templates/"


def test_create_and_list_own_templates(auth_client, user):
    response = auth_client.post(
        URL, {"name": "건기식", "title": "안녕하세요 {{ company.owner }} 대표님!", "body": "<p>{{ company.name }}</p>"}
    )
    assert response.status_code == 201, response.data
    assert response.data["user"] == {"id": str(user.pk), "email": user.email}
    listing = auth_client.get(URL)
    assert listing.data["count"] == 1


def test_syntax_error_answers_400_with_its_line(auth_client):
    response = auth_client.post(URL, {"name": "x", "title": "ok", "body": "<p>hi</p>\n<p>{{ company.name </p>"})
    assert response.status_code == 400
    assert response.data["fields"]["body"][0].startswith("Line 2:")


def test_title_syntax_error_is_reported_on_title(auth_client):
    response = auth_client.post(URL, {"name": "x", "title": "{% if %}", "body": "ok"})
    assert response.status_code == 400
    assert "title" in response.data["fields"]


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ company['__class__'] }}",
        "{{ lipsum.__globals__ }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{{ company|attr('__class__') }}",
        "{{ company._secret }}",
    ],
)
def test_sandbox_escapes_are_refused(auth_client, source):
    response = auth_client.post(URL, {"name": "x", "title": "ok", "body": source}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "not allowed" in response.data["fields"]["body"][0]


def test_other_users_template_is_404(other_client, user):
    template = CampaignTemplateFactory(user=user)
    assert other_client.get(f"{URL}{template.pk}/").status_code == 404
    assert other_client.patch(f"{URL}{template.pk}/", {"name": "mine"}).status_code == 404


def test_template_used_by_a_campaign_cannot_be_deleted(auth_client, user):
    from .factories import CampaignFactory

    campaign = CampaignFactory(user=user)
    response = auth_client.delete(f"{URL}{campaign.template_id}/")
    assert response.status_code == 409
