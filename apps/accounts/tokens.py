"""Access tokens that end with the session: each carries the user's token version, and logout or a
password reset raises the version, so every access token issued before is refused at once instead of
living out its 15 minutes. The version is read from Redis (the default cache) on each request."""

from __future__ import annotations

import contextlib
import logging

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import RefreshToken

from .models import User

logger = logging.getLogger(__name__)

VERSION_CLAIM = "ver"
# Long enough that a busy user costs one database read a day, short enough that a lost cache write
# (Redis restarted without persistence) heals itself.
CACHE_SECONDS = 24 * 60 * 60


def _cache_key(user_id) -> str:
    return f"accounts:token_version:{user_id}"


def token_version_get(user_id) -> int:
    """The user's current token version: Redis first, the database when Redis has none or is down."""
    key = _cache_key(user_id)
    try:
        cached = cache.get(key)
    except Exception:  # Redis down: the database still knows
        logger.warning("token version: cache unavailable, reading the database", exc_info=True)
        cached = None
    if cached is not None:
        return cached
    version = User.objects.filter(pk=user_id).values_list("token_version", flat=True).first() or 0
    # add, not set: a bump that committed meanwhile has already written the newer value.
    with contextlib.suppress(Exception):
        cache.add(key, version, CACHE_SECONDS)
    return version


def token_version_bump(*, user_id) -> None:
    """Refuse every access token of the user issued until now."""
    User.objects.filter(pk=user_id).update(token_version=F("token_version") + 1)
    version = User.objects.filter(pk=user_id).values_list("token_version", flat=True).first()
    if version is None:
        return
    key = _cache_key(user_id)
    # Dropped now, so this transaction's own reads see the new version; written after the commit,
    # over any old value a concurrent request read from the database and cached meanwhile.
    cache.delete(key)
    transaction.on_commit(lambda: cache.set(key, version, CACHE_SECONDS))


class VersionedRefreshToken(RefreshToken):
    """A refresh token whose access tokens carry the user's current token version, whether issued at
    login or on refresh (a session that survived another device's logout gets a valid one)."""

    @property
    def access_token(self):
        access = super().access_token
        access[VERSION_CLAIM] = token_version_get(self[api_settings.USER_ID_CLAIM])
        return access
