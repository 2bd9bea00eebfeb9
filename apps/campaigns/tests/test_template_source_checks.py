"""A template's source is checked when it is saved, through the API and the admin alike: its length
(TEMPLATE_SOURCE_LIMIT_CHARS), its syntax, the sandbox and a render for the sample lead."""

import pytest

from apps.accounts.tests.factories import UserFactory
from apps.campaigns.models import CampaignTemplate

pytestmark = pytest.mark.django_db
API = "/api/campaign-templates/"
ADMIN_ADD = "/admin/campaigns/campaigntemplate/add/"


@pytest.fixture
def staff_client(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    client.staff = staff
    return client


def test_api_refuses_a_body_over_the_source_limit_and_names_it(auth_client, settings):
    settings.TEMPLATE_SOURCE_LIMIT_CHARS = 1_000
    response = auth_client.post(API, {"name": "긴 본문", "title": "안녕하세요", "body": "<p>가</p>" * 200})

    assert response.status_code == 400
    assert "TEMPLATE_SOURCE_LIMIT_CHARS" in response.data["fields"]["body"][0]
    assert "1,600" in response.data["fields"]["body"][0]  # the length it was
    assert not CampaignTemplate.objects.exists()


def test_api_accepts_a_body_at_the_limit(auth_client, settings):
    settings.TEMPLATE_SOURCE_LIMIT_CHARS = 1_600
    response = auth_client.post(API, {"name": "꼭 맞는 본문", "title": "안녕하세요", "body": "<p>가</p>" * 200})
    assert response.status_code == 201, response.data


def _admin_add(staff_client, **fields):
    form = {
        "name": "관리자 템플릿",
        "title": "안녕하세요",
        "body": "<p>본문</p>",
        "text_body": "",
        "user": staff_client.staff.pk,
    }
    return staff_client.post(ADMIN_ADD, {**form, **fields})


@pytest.mark.parametrize(
    ("field", "source", "says"),
    [
        ("body", "<p>{{ company.name </p>", "Line 1"),
        ("body", "{{ ''.__class__ }}", "__class__"),
        ("title", "{{ 1 / 0 }}", "ZeroDivisionError"),
        ("text_body", "x" * 2_001, "TEMPLATE_SOURCE_LIMIT_CHARS"),
    ],
)
def test_admin_refuses_what_the_api_refuses(staff_client, settings, field, source, says):
    settings.TEMPLATE_SOURCE_LIMIT_CHARS = 2_000
    response = _admin_add(staff_client, **{field: source})

    assert response.status_code == 200  # the form again, with the error on the field
    assert says in str(response.context["adminform"].form.errors[field])
    assert not CampaignTemplate.objects.exists()


def test_admin_saves_a_valid_template(staff_client):
    response = _admin_add(staff_client, body="<p>{{ company.name }} 대표님께</p>")
    assert response.status_code == 302
    assert CampaignTemplate.objects.get().body == "<p>{{ company.name }} 대표님께</p>"
