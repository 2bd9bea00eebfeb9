"""Real-time progress: new events and campaign counters on a Redis pub/sub channel per user, and the
Server-Sent Events stream of that channel the SPA listens to.

Messages (JSON): ``{"type": "event", "event": {...}}`` for each new event and
``{"type": "counters", "campaign": "<id>", "totals": {...}}`` for each campaign a batch touched.
The stream sends them as SSE ``event: <type>`` frames, with a heartbeat comment when it is quiet.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator

import redis
import redis.asyncio as aioredis
from django.conf import settings
from django.core import signing
from django.core.exceptions import ObjectDoesNotExist

from .connections import tracking_redis

logger = logging.getLogger(__name__)

_STREAM_SALT = "salesone.tracking.stream"
MAX_EVENTS_PER_BATCH = 200  # per user: a 1,000-event webhook batch is summed up by the counters


def user_channel(user_id) -> str:
    return f"tracking:user:{user_id}"


def event_payload(event) -> dict:
    return {
        "id": str(event.id),
        "campaign": str(event.campaign_id) if event.campaign_id else None,
        "result": str(event.result_id) if event.result_id else None,
        "kind": event.kind,
        "occurred_at": event.occurred_at.isoformat().replace("+00:00", "Z"),
        "email": event.email,
        "url": event.url,
        "is_machine": event.is_machine,
        "machine_reason": event.machine_reason,
    }


def publish_campaign_updates(*, events: list, owners: dict) -> None:
    """Publish new events and fresh counters of their campaigns to each owner's channel.

    ``owners`` maps campaign id → user id. Best effort: the events are already stored, a lost
    notification only delays the SPA's refresh.
    """
    from .selectors import campaign_tracking_totals

    by_user: dict = defaultdict(list)
    campaigns: dict = {}
    for event in events:
        user_id = owners.get(event.campaign_id)
        if user_id is None:
            continue
        by_user[user_id].append(event)
        campaigns[event.campaign_id] = user_id
    if not by_user:
        return
    try:
        client = tracking_redis()
        # Counters cost two aggregate queries per campaign: only for users with a stream open.
        listening = dict(client.pubsub_numsub(*(user_channel(user_id) for user_id in by_user)))
        by_user = {u: e for u, e in by_user.items() if listening.get(user_channel(u).encode(), 0)}
        campaigns = {c: u for c, u in campaigns.items() if u in by_user}
        if not by_user:
            return
        pipe = client.pipeline(transaction=False)
        for user_id, user_events in by_user.items():
            for event in user_events[-MAX_EVENTS_PER_BATCH:]:
                pipe.publish(user_channel(user_id), json.dumps({"type": "event", "event": event_payload(event)}))
        for campaign_id, user_id in campaigns.items():
            try:
                totals = campaign_tracking_totals(campaign_id)
            except ObjectDoesNotExist:  # deleted since its events were stored: nobody to count for
                continue
            message = {"type": "counters", "campaign": str(campaign_id), "totals": totals}
            pipe.publish(user_channel(user_id), json.dumps(message))
        pipe.execute()
    except redis.RedisError as exc:
        logger.warning("tracking updates not published: %s", exc)


# ------------------------------------------------------------------------------ stream tokens


def stream_token_issue(*, user) -> str:
    """A short-lived token for ``?token=`` (EventSource cannot send an Authorization header)."""
    return signing.TimestampSigner(salt=_STREAM_SALT).sign(str(user.pk))


def stream_token_user_id(token: str) -> str | None:
    try:
        return signing.TimestampSigner(salt=_STREAM_SALT).unsign(token, max_age=settings.TRACKING_STREAM_TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None


# ---------------------------------------------------------------------- open streams per user

# A sorted set per user: one member per open stream, scored by when it must have ended. Members of a
# process that died without closing its streams fall out once their time is past.
_SLOT_TAKE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


def _slots_key(user_id) -> str:
    return f"tracking:streams:{user_id}"


def stream_slot_take(user_id) -> str | None:
    """Reserve one of the user's TRACKING_STREAM_MAX_PER_USER streams; None when all are open."""
    slot = uuid.uuid4().hex
    now = time.time()
    lifetime = settings.TRACKING_STREAM_MAX_SECONDS + 2 * settings.TRACKING_STREAM_HEARTBEAT_SECONDS
    client = tracking_redis()
    taken = client.eval(
        _SLOT_TAKE,
        1,
        _slots_key(user_id),
        now,
        settings.TRACKING_STREAM_MAX_PER_USER,
        now + lifetime,
        slot,
        int(lifetime) + 1,
    )
    return slot if taken else None


def stream_slot_release(user_id, slot: str) -> None:
    try:
        tracking_redis().zrem(_slots_key(user_id), slot)
    except redis.RedisError as exc:  # the slot expires by itself
        logger.warning("stream slot not released: %s", exc)


# --------------------------------------------------------------------------------- the stream


def _frame(data: bytes | str) -> str:
    text = data.decode() if isinstance(data, bytes) else data
    try:
        kind = json.loads(text).get("type", "message")
    except (ValueError, AttributeError):
        kind = "message"
    return f"event: {kind}\ndata: {text}\n\n"


_OPENING = "retry: 3000\n: connected\n\n"


async def sse_stream(
    user_id, *, heartbeat: float | None = None, max_seconds: float | None = None
) -> AsyncIterator[str]:
    """SSE frames of the user's channel; holds no thread while waiting (redis.asyncio).

    Ends after ``max_seconds`` (the browser reconnects) or when the client goes away: the ASGI
    handler cancels the response, and ``finally`` unsubscribes.
    """
    heartbeat = heartbeat or settings.TRACKING_STREAM_HEARTBEAT_SECONDS
    max_seconds = max_seconds or settings.TRACKING_STREAM_MAX_SECONDS
    client = aioredis.Redis.from_url(settings.TRACKING_REDIS_URL)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    try:
        await pubsub.subscribe(user_channel(user_id))
        yield _OPENING
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max_seconds
        last = loop.time()
        while (left := deadline - loop.time()) > 0:
            message = await pubsub.get_message(timeout=min(heartbeat, left))
            now = loop.time()
            # get_message also returns None for the (ignored) subscribe confirmation: only a real
            # quiet period earns a heartbeat.
            if message is not None and message.get("type") == "message":
                yield _frame(message["data"])
                last = now
            elif now - last >= heartbeat:
                yield ": heartbeat\n\n"
                last = now
    finally:
        try:
            await pubsub.aclose()
            await client.aclose()
        except Exception:  # the connection may already be gone; nothing to clean up then
            pass
