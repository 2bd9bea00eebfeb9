"""Per-provider sending rate: a token bucket in Redis shared by every worker process.

The bucket refills at ``rate`` messages per second up to ``burst``; a batch takes as many tokens as
it has messages. The whole check-and-take runs in one Lua script, so concurrent workers never
overdraw it. Limits come from settings.EMAIL_PROVIDER_RATE_LIMITS: {"sendgrid": [rate, burst], ...}.
"""

from __future__ import annotations

import functools

import redis
from django.conf import settings

_TAKE = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local wanted = math.min(tonumber(ARGV[3]), burst)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local wait = 0
if tokens >= wanted then
  tokens = tokens - wanted
else
  wait = (wanted - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 60)
return tostring(wait)
"""


@functools.cache
def redis_client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=2)


@functools.cache
def _take_script():
    return redis_client().register_script(_TAKE)


def provider_limit(provider_name: str) -> tuple[float, float] | None:
    limit = settings.EMAIL_PROVIDER_RATE_LIMITS.get(provider_name)
    if not limit:
        return None
    rate, burst = limit
    return float(rate), float(burst)


def rate_limit_take(*, provider_name: str, count: int) -> float:
    """Take ``count`` tokens from the provider's bucket: 0.0 when taken, else the seconds to wait
    before they will be there (nothing is taken then)."""
    limit = provider_limit(provider_name)
    if limit is None or count <= 0:
        return 0.0
    rate, burst = limit
    key = f"salesone:ratelimit:{provider_name}"
    return float(_take_script()(keys=[key], args=[rate, burst, count]))
