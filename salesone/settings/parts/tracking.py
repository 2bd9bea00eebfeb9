"""E-mail tracking: signed links, the Redis event queue, machine detection, webhooks and the live stream."""

import datetime as dt  # (a module: its upper-case UTC must not become a setting)

from ..env import env_bool, env_float, env_int, env_list, env_str


def _instant(text: str) -> dt.datetime | None:
    if not text.strip():
        return None
    value = dt.datetime.fromisoformat(text.strip())
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


# Key that signs tracking tokens (pixel, click, unsubscribe, reply address). Empty: derived from
# SECRET_KEY. Changing it invalidates the links in every e-mail already sent.
TRACKING_SIGNING_KEY = env_str("TRACKING_SIGNING_KEY", "")

# Click links are signed for their recipient. Links of e-mails sent before (signed for the target only)
# are accepted until this instant (ISO 8601, UTC), then refused; empty refuses them now.
TRACKING_UNBOUND_CLICK_LINKS_UNTIL = _instant(env_str("TRACKING_UNBOUND_CLICK_LINKS_UNTIL", "2027-06-06T00:00:00Z"))

# Where the request path pushes events for the batch writer; it defaults to the main Redis.
TRACKING_REDIS_URL = env_str("TRACKING_REDIS_URL", env_str("REDIS_URL", "redis://127.0.0.1:6379/0"))
TRACKING_REDIS_TIMEOUT = env_float("TRACKING_REDIS_TIMEOUT", 0.5)  # seconds; then the event goes to the DB
# After Redis failed, the request path writes straight to the database for this long before trying again.
TRACKING_REDIS_RETRY_AFTER = env_float("TRACKING_REDIS_RETRY_AFTER", 5.0)
TRACKING_QUEUE_KEY = env_str("TRACKING_QUEUE_KEY", "tracking:events")
TRACKING_INGEST_BATCH_SIZE = env_int("TRACKING_INGEST_BATCH_SIZE", 1000)
# One drain runs at most this long; the beat starts the next one.
TRACKING_INGEST_MAX_SECONDS = env_float("TRACKING_INGEST_MAX_SECONDS", 20.0)

# Machine detection (apps/tracking/README.md): a click this soon after sending/delivery is a security scanner.
TRACKING_SCANNER_CLICK_SECONDS = env_int("TRACKING_SCANNER_CLICK_SECONDS", 10)
# Apple Mail Privacy Protection fetches images from Apple's own network (AS714, 17.0.0.0/8).
TRACKING_APPLE_PROXY_NETWORKS = env_list("TRACKING_APPLE_PROXY_NETWORKS", "17.0.0.0/8")

# Provider webhooks: a signature older (or further in the future) than this is refused.
TRACKING_WEBHOOK_MAX_AGE_SECONDS = env_int("TRACKING_WEBHOOK_MAX_AGE_SECONDS", 300)
# SendGrid Inbound Parse does not sign its posts: the URL carries this secret. Empty: endpoint refuses all.
TRACKING_INBOUND_SECRET = env_str("TRACKING_INBOUND_SECRET", "")
# Domain of reply+<token>@<domain> addresses; empty: replies are matched by Message-ID only.
TRACKING_REPLY_DOMAIN = env_str("TRACKING_REPLY_DOMAIN", "")

# Live stream (Server-Sent Events)
# Where the SPA opens the stream: empty for this same server, or the origin of an ASGI process that
# serves it (`make run`: the API on :8000 is WSGI, the stream on :8001 is ASGI; see the Procfile).
TRACKING_STREAM_BASE_URL = env_str("TRACKING_STREAM_BASE_URL", "")
TRACKING_STREAM_TOKEN_MAX_AGE = env_int("TRACKING_STREAM_TOKEN_MAX_AGE", 60)
TRACKING_STREAM_HEARTBEAT_SECONDS = env_float("TRACKING_STREAM_HEARTBEAT_SECONDS", 15.0)
# A stream ends after this long; EventSource reconnects by itself (and re-authenticates).
TRACKING_STREAM_MAX_SECONDS = env_float("TRACKING_STREAM_MAX_SECONDS", 600.0)
# Streams one user may have open at once (tabs); one more is a 429.
TRACKING_STREAM_MAX_PER_USER = env_int("TRACKING_STREAM_MAX_PER_USER", 5)

# Behind a reverse proxy, the client address of pixel and click requests is the first X-Forwarded-For entry.
TRACKING_TRUST_X_FORWARDED_FOR = env_bool("TRACKING_TRUST_X_FORWARDED_FOR", False)
# Largest webhook body read (a SendGrid batch of 1,000 events is well under 1 MB).
TRACKING_WEBHOOK_MAX_BYTES = env_int("TRACKING_WEBHOOK_MAX_BYTES", 10 * 1024 * 1024)

BEAT_SCHEDULE = {
    "tracking-ingest-events": {
        "task": "apps.tracking.tasks.ingest_tracking_events",
        "schedule": env_float("TRACKING_INGEST_EVERY_SECONDS", 2.0),
        "options": {"expires": 10},
    },
    "tracking-prune-webhook-tokens": {
        "task": "apps.tracking.tasks.prune_webhook_tokens",
        "schedule": 3600.0,
    },
}
