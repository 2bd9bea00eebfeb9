import pytest

from apps.accounts.tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db
URL = "/api/auth/me/"


def test_me_requires_authentication(api_client):
    assert api_client.get(URL).status_code == 401


def test_me_returns_profile(auth_client, user):
    body = auth_client.get(URL).json()
    assert body["id"] == str(user.id)
    assert body["email"] == user.email
    assert "password" not in body


def test_put_updates_names(auth_client, user):
    response = auth_client.put(URL, {"first_name": "서연", "last_name": "이"})
    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("서연", "이")


def test_changing_email_is_validated(auth_client, user, other_user):
    assert auth_client.put(URL, {"email": "not-an-email"}).status_code == 400
    taken = auth_client.put(URL, {"email": other_user.email.upper()})
    assert taken.status_code == 400 and "email" in taken.json()["fields"]
    ok = auth_client.put(URL, {"email": "New.Address@Example.co.kr"})
    assert ok.status_code == 200 and ok.json()["email"] == "new.address@example.co.kr"


def test_changing_password_needs_the_current_one(auth_client, user):
    missing = auth_client.put(URL, {"new_password": "another-Secret-2026"})
    assert missing.status_code == 400 and "current_password" in missing.json()["fields"]
    wrong = auth_client.put(URL, {"new_password": "another-Secret-2026", "current_password": "wrong"})
    assert wrong.status_code == 400 and "current_password" in wrong.json()["fields"]
    weak = auth_client.put(URL, {"new_password": "123", "current_password": DEFAULT_PASSWORD})
    assert weak.status_code == 400 and "new_password" in weak.json()["fields"]
    ok = auth_client.put(URL, {"new_password": "another-Secret-2026", "current_password": DEFAULT_PASSWORD})
    assert ok.status_code == 200
    user.refresh_from_db()
    assert user.check_password("another-Secret-2026")
