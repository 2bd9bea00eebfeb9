"""PATCH /api/auth/me/ (issue 16 §2 reported an AttributeError): every body answers 200 or a JSON 400."""

import pytest

from apps.accounts.tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db
URL = "/api/auth/me/"


def test_patch_changes_only_the_fields_sent(auth_client, user):
    response = auth_client.patch(URL, {"last_name": "박"}, format="json")
    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("민준", "박")


def test_patch_changes_the_password_with_the_current_one(auth_client, user):
    body = {"current_password": DEFAULT_PASSWORD, "new_password": "another-Secret-2026"}
    assert auth_client.patch(URL, body, format="json").status_code == 200
    user.refresh_from_db()
    assert user.check_password("another-Secret-2026")


@pytest.mark.parametrize(
    "body",
    [
        "[]",
        '"x"',
        "null",
        "true",
        '{"email": null}',
        '{"email": ["a@b.co"]}',
        '{"first_name": {"a": 1}}',
        '{"new_password": null}',
        '{"current_password": "x"}',
        '{"new_password": ["x"], "current_password": 1}',
    ],
)
def test_malformed_patch_is_a_json_400(auth_client, user, body):
    response = auth_client.generic("PATCH", URL, body, content_type="application/json")
    assert response.status_code == 400 and response["Content-Type"].startswith("application/json")
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD) and user.last_name == "김"
