"""The Redis client of the tracking queue and pub/sub (settings.TRACKING_REDIS_URL, short timeouts)."""

from __future__ import annotations

import redis
from django.conf import settings

_clients: dict[str, redis.Redis] = {}


def tracking_redis() -> redis.Redis:
    """One pooled client per URL (tests point the URL elsewhere to simulate an outage)."""
    url = settings.TRACKING_REDIS_URL
    client = _clients.get(url)
    if client is None:
        timeout = settings.TRACKING_REDIS_TIMEOUT
        client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        _clients[url] = client
    return client
