"""Logout and password reset end the access tokens already issued, not just the refresh tokens."""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.test import APIClient

from apps.accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
ME = "/api/auth/me/"


def _login(user, password=DEFAULT_PASSWORD) -> tuple[APIClient, dict]:
    client = APIClient()
    tokens = client.post("/api/auth/login/", {"email": user.email, "password": password}).json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    return client, tokens


def test_logout_refuses_the_access_tokens_of_every_session_of_the_user():
    user, bystander = UserFactory(), UserFactory()
    laptop, laptop_tokens = _login(user)
    phone, phone_tokens = _login(user)
    other, _ = _login(bystander)
    assert laptop.get(ME).status_code == 200

    assert APIClient().post("/api/auth/logout/", {"refresh": laptop_tokens["refresh"]}).status_code == 205

    refused = laptop.get(ME)
    assert refused.status_code == 401 and refused.json()["code"] == "token_revoked"
    assert phone.get(ME).status_code == 401
    assert other.get(ME).status_code == 200  # another user's sessions are untouched
    # The phone did not log out: its refresh token gives it a new access token that works.
    renewed = APIClient().post("/api/auth/token/refresh/", {"refresh": phone_tokens["refresh"]}).json()
    phone.credentials(HTTP_AUTHORIZATION=f"Bearer {renewed['access']}")
    assert phone.get(ME).status_code == 200
    # The laptop's session is over for good.
    assert APIClient().post("/api/auth/token/refresh/", {"refresh": laptop_tokens["refresh"]}).status_code == 401
    # Logging in again works.
    again, _ = _login(user)
    assert again.get(ME).status_code == 200


def test_password_reset_refuses_outstanding_access_tokens():
    user = UserFactory()
    session, _ = _login(user)
    assert session.get(ME).status_code == 200
    user.refresh_from_db()  # the login changed last_login, which the reset token hashes
    confirm = APIClient().post(
        "/api/auth/password-reset/confirm/",
        {
            "uid": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
            "new_password": "새비밀번호-Strong-2026",
        },
    )
    assert confirm.status_code == 200, confirm.json()
    assert session.get(ME).status_code == 401
    fresh, _ = _login(user, password="새비밀번호-Strong-2026")
    assert fresh.get(ME).status_code == 200


def test_revocation_holds_when_the_cache_is_emptied():
    """Redis only caches the version: with the cache flushed the database still refuses the token."""
    from django.core.cache import cache

    user = UserFactory()
    session, tokens = _login(user)
    APIClient().post("/api/auth/logout/", {"refresh": tokens["refresh"]})
    cache.clear()
    assert session.get(ME).status_code == 401


def test_a_stale_cached_version_does_not_refuse_new_tokens():
    """After a logout the row's version is 1; a version 0 left in Redis (the copy once kept there,
    or one written by an older worker during a deploy) must not be what new tokens carry."""
    from django.core.cache import cache

    user = UserFactory()
    _, tokens = _login(user)
    APIClient().post("/api/auth/logout/", {"refresh": tokens["refresh"]})
    cache.set(f"accounts:token_version:{user.pk}", 0, 60)

    fresh, fresh_tokens = _login(user)
    assert fresh.get(ME).status_code == 200
    renewed = APIClient().post("/api/auth/token/refresh/", {"refresh": fresh_tokens["refresh"]}).json()
    fresh.credentials(HTTP_AUTHORIZATION=f"Bearer {renewed['access']}")
    assert fresh.get(ME).status_code == 200


def test_password_change_logs_out_every_other_session_and_keeps_this_one():
    user, bystander = UserFactory(), UserFactory()
    laptop, _ = _login(user)
    phone, phone_tokens = _login(user)
    other, _ = _login(bystander)

    changed = laptop.patch(ME, {"current_password": DEFAULT_PASSWORD, "new_password": "새비밀번호-Strong-2026"})

    assert changed.status_code == 200
    body = changed.json()
    assert body["email"] == user.email
    # The phone knew only the old password: its access and refresh tokens are refused.
    assert phone.get(ME).status_code == 401
    assert APIClient().post("/api/auth/token/refresh/", {"refresh": phone_tokens["refresh"]}).status_code == 401
    # The laptop goes on with the pair the change answered with, and can refresh it.
    laptop.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert laptop.get(ME).status_code == 200
    assert APIClient().post("/api/auth/token/refresh/", {"refresh": body["refresh"]}).status_code == 200
    assert other.get(ME).status_code == 200
    assert _login(user, "새비밀번호-Strong-2026")[0].get(ME).status_code == 200


def test_profile_change_without_a_password_ends_no_session():
    user = UserFactory()
    laptop, _ = _login(user)
    phone, _ = _login(user)

    changed = laptop.patch(ME, {"first_name": "서연"})

    assert changed.status_code == 200
    assert (changed.json()["access"], changed.json()["refresh"]) == (None, None)
    assert phone.get(ME).status_code == 200 and laptop.get(ME).status_code == 200
