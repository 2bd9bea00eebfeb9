import pytest

from apps.accounts.tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def tokens(api_client, user):
    return api_client.post("/api/auth/login/", {"email": user.email, "password": DEFAULT_PASSWORD}).json()


def test_refresh_rotates_and_blacklists_the_old_token(api_client, tokens):
    first = api_client.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert first.status_code == 200
    assert first.json()["refresh"] != tokens["refresh"]
    assert first.json()["access"]
    reused = api_client.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert reused.status_code == 401


def test_refresh_with_garbage_is_401(api_client):
    assert api_client.post("/api/auth/token/refresh/", {"refresh": "not-a-token"}).status_code == 401


def test_logout_blacklists_refresh_token_so_second_use_fails(api_client, tokens):
    assert api_client.post("/api/auth/logout/", {"refresh": tokens["refresh"]}).status_code == 205
    again = api_client.post("/api/auth/logout/", {"refresh": tokens["refresh"]})
    assert again.status_code == 400
    assert "blacklisted" in again.json()["detail"]
    assert api_client.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]}).status_code == 401


def test_logout_without_token_is_400(api_client):
    response = api_client.post("/api/auth/logout/", {})
    assert response.status_code == 400
    assert "refresh" in response.json()["fields"]
