"""Access tokens that end with the session: each carries the user's token version, and logout or a
password reset raises the version, so every access token issued before is refused at once instead of
living out its 15 minutes. The version lives in the user row alone: authentication compares it with the
row it loads anyway, and issuing (login, refresh: rare) reads it from there too."""

from __future__ import annotations

from django.db.models import F
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import RefreshToken

from .models import User

VERSION_CLAIM = "ver"


def token_version_get(user_id) -> int:
    """The user's current token version, from the database: the same row authentication checks
    against, so a token is never issued with a version it will then refuse. (A Redis copy of it,
    once kept here, could lag the row after a bump and lock the user out until it expired.)"""
    return User.objects.filter(pk=user_id).values_list("token_version", flat=True).first() or 0


def token_version_bump(*, user_id) -> None:
    """Refuse every access token of the user issued until now."""
    User.objects.filter(pk=user_id).update(token_version=F("token_version") + 1)


class VersionedRefreshToken(RefreshToken):
    """A refresh token whose access tokens carry the user's current token version, whether issued at
    login or on refresh (a session that survived another device's logout gets a valid one)."""

    @property
    def access_token(self):
        access = super().access_token
        access[VERSION_CLAIM] = token_version_get(self[api_settings.USER_ID_CLAIM])
        return access
