import pytest

from apps.accounts.models import User

pytestmark = pytest.mark.django_db
URL = "/api/auth/registration/"


def test_registration_creates_user_and_returns_tokens(api_client):
    response = api_client.post(URL, {"email": "Kim@Example.co.kr", "password": "sales-one-2026!", "first_name": "민준"})
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["email"] == "kim@example.co.kr"
    assert body["access"] and body["refresh"]
    assert User.objects.get(email="kim@example.co.kr").check_password("sales-one-2026!")


def test_duplicate_email_in_any_case_is_400(api_client, user):
    response = api_client.post(URL, {"email": user.email.upper(), "password": "sales-one-2026!"})
    assert response.status_code == 400
    assert "email" in response.json()


def test_weak_password_is_rejected_by_django_validators(api_client):
    response = api_client.post(URL, {"email": "new@example.co.kr", "password": "12345678"})
    assert response.status_code == 400
    assert "password" in response.json()
    assert not User.objects.filter(email="new@example.co.kr").exists()


def test_invalid_email_is_400(api_client):
    response = api_client.post(URL, {"email": "not-an-email", "password": "sales-one-2026!"})
    assert response.status_code == 400
    assert "email" in response.json()
