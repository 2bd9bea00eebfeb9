import pytest

from apps.accounts.tests.factories import DEFAULT_PASSWORD
from apps.accounts.throttles import LoginEmailThrottle, LoginIPThrottle

pytestmark = pytest.mark.django_db
URL = "/api/auth/login/"


def test_login_returns_access_refresh_and_user(api_client, user):
    response = api_client.post(URL, {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh", "user"}
    assert body["user"]["id"] == str(user.id)
    me = api_client.get("/api/auth/me/", HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert me.status_code == 200 and me.json()["email"] == user.email


def test_login_is_case_insensitive_on_email(api_client, user):
    response = api_client.post(URL, {"email": user.email.upper(), "password": DEFAULT_PASSWORD})
    assert response.status_code == 200


def test_wrong_password_is_401(api_client, user):
    response = api_client.post(URL, {"email": user.email, "password": "wrong-password"})
    assert response.status_code == 401
    assert "access" not in response.json()


def test_access_token_lives_at_most_15_minutes():
    from django.conf import settings

    assert settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds() <= 15 * 60


def test_brute_force_on_one_email_gets_429(api_client, user, monkeypatch):
    monkeypatch.setattr(LoginEmailThrottle, "rate", "3/min", raising=False)
    codes = [
        api_client.post(URL, {"email": user.email, "password": "guess"}, REMOTE_ADDR=f"10.0.0.{i}").status_code
        for i in range(5)
    ]
    assert codes == [401, 401, 401, 429, 429]
    # Even the right password is refused while the account is throttled.
    response = api_client.post(URL, {"email": user.email, "password": DEFAULT_PASSWORD}, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429


def test_brute_force_from_one_ip_gets_429(api_client, user, monkeypatch):
    monkeypatch.setattr(LoginIPThrottle, "rate", "3/min", raising=False)
    codes = [api_client.post(URL, {"email": f"x{i}@example.co.kr", "password": "guess"}).status_code for i in range(5)]
    assert codes == [401, 401, 401, 429, 429]
