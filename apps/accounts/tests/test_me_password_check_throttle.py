"""PATCH /api/auth/me/ with ``current_password``: guesses at a signed-in user's password have their own
tight throttle (THROTTLE_PASSWORD_CHECK), per user, apart from the general user throttle: past it a
JSON 429 with Retry-After, even for the right password; profile changes without a password are not
counted; the schema documents the 429."""

import pytest

from apps.accounts.tests.factories import DEFAULT_PASSWORD
from apps.accounts.throttles import PasswordCheckThrottle
from conftest import client_for

pytestmark = pytest.mark.django_db
URL = "/api/auth/me/"


@pytest.fixture(autouse=True)
def three_checks_a_minute(monkeypatch):
    monkeypatch.setattr(PasswordCheckThrottle, "rate", "3/min", raising=False)


def _guess(client, password: str):
    return client.patch(URL, {"current_password": password, "new_password": "Another-passw0rd!"}, format="json")


def test_wrong_guesses_past_the_rate_are_429_in_json(auth_client):
    for _ in range(3):
        assert _guess(auth_client, "wrong-guess").status_code == 400
    response = _guess(auth_client, "wrong-guess")
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert int(response["Retry-After"]) > 0
    body = response.json()
    assert body["code"] == "throttled"
    assert body["detail"].startswith("비밀번호 시도가 너무 많습니다")
    # Once throttled, even the right password waits: the guesser learns nothing.
    assert _guess(auth_client, DEFAULT_PASSWORD).status_code == 429


def test_other_profile_changes_are_not_counted(auth_client):
    for _ in range(5):
        assert auth_client.patch(URL, {"first_name": "민준"}, format="json").status_code == 200
    assert _guess(auth_client, "wrong-guess").status_code == 400


def test_the_count_is_per_user(auth_client, other_user):
    for _ in range(4):
        _guess(auth_client, "wrong-guess")
    assert _guess(auth_client, "wrong-guess").status_code == 429
    assert _guess(client_for(other_user), "wrong-guess").status_code == 400


def test_the_schema_documents_the_429(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    patch = schema["paths"]["/api/auth/me/"]["patch"]
    assert "429" in patch["responses"]
    assert "THROTTLE_PASSWORD_CHECK" in patch["description"]
