"""The API's default rate limits (REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]): DRF's user and anonymous
throttles, with the request history kept in Redis by one script call per request.

DRF's ``SimpleRateThrottle`` reads the whole history (a pickled list of timestamps, up to the rate's
2,000 entries) with one cache GET and writes it back with a SET: two Redis round trips on every API
request, 3 ms each on a loaded machine (issue 18), and two concurrent requests could both read the
same history and count once. Here a Lua script does DRF's steps in one atomic call on a Redis list,
newest first as DRF keeps it: drop what is older than the duration, refuse when ``num_requests`` are
left, else record this request. Rates, the 429 and its ``Retry-After`` are DRF's; the key is DRF's with
``:list`` added, so a DRF throttle of the same scope (a pickled list) never meets this one's Redis list.
"""

from django.core.cache import cache
from django_redis import get_redis_connection
from rest_framework import throttling

_SCRIPT = """
local key, now, duration, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
while true do
  local oldest = redis.call('LINDEX', key, -1)
  if not oldest or tonumber(oldest) > now - duration then break end
  redis.call('RPOP', key)
end
local length = redis.call('LLEN', key)
if length >= limit then
  return {0, length, redis.call('LINDEX', key, -1)}
end
redis.call('LPUSH', key, ARGV[1])
redis.call('EXPIRE', key, duration)
return {1, length + 1, redis.call('LINDEX', key, -1)}
"""


class RedisHistoryThrottleMixin:
    """``allow_request`` and ``wait`` of a ``SimpleRateThrottle`` over a Redis list, one round trip."""

    _script = None

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        script = RedisHistoryThrottleMixin._script
        if script is None:
            script = RedisHistoryThrottleMixin._script = get_redis_connection("default").register_script(_SCRIPT)
        self.now = self.timer()
        allowed, self.history_length, oldest = script(
            keys=[cache.make_key(f"{self.key}:list")], args=[repr(self.now), self.duration, self.num_requests]
        )
        self.oldest = float(oldest) if oldest is not None else None
        return bool(allowed)

    def wait(self):
        """DRF's recommended wait: the time left of the oldest request's window, spread over the requests
        that will then be available."""
        remaining = self.duration if self.oldest is None else self.duration - (self.now - self.oldest)
        available = self.num_requests - self.history_length + 1
        if available <= 0:
            return None
        return remaining / float(available)


class UserRateThrottle(RedisHistoryThrottleMixin, throttling.UserRateThrottle):
    pass


class AnonRateThrottle(RedisHistoryThrottleMixin, throttling.AnonRateThrottle):
    pass
