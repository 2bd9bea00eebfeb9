"""Campaign sending: chunking, leases, retries, rate limits, daily caps and personalisation."""

import json
from datetime import timedelta

from ..env import env_int, env_str

# Rows one chunk task claims, renders and sends in one provider request (SendGrid and Mailgun take
# at most 1,000 recipients per request).
CAMPAIGN_CHUNK_SIZE = env_int("CAMPAIGN_CHUNK_SIZE", 1000)
# work_mem (MB) of the recipient writer's numbering statement: its sorts (the one-per-address step,
# the chunk numbering) and hashes each may use this much, twice that for a hash (hash_mem_multiplier
# 2), so one writer can hold ~7x it and several campaigns starting at once multiply that. At 64 the
# sorts of 100,000 recipients stay in memory and those of 1,000,000 (~150 MB each) spill to disk;
# raise it where the database has the memory (docs/sending-performance.md, "Fourth pass").
CAMPAIGN_WRITER_WORK_MEM_MB = env_int("CAMPAIGN_WRITER_WORK_MEM_MB", 64)
# A row still 'sending' this long after it was claimed belongs to a worker that died mid-send: its
# outcome is unknown ('unknown'), never sent again automatically (DESIGN.md, States).
CAMPAIGN_SEND_LEASE_SECONDS = env_int("CAMPAIGN_SEND_LEASE_SECONDS", 10 * 60)
# A settle that cannot reach the database is retried this long with the provider's answer in hand,
# then spooled to Redis; the reconcile job writes it once the database is back.
CAMPAIGN_SETTLE_RETRY_SECONDS = env_int("CAMPAIGN_SETTLE_RETRY_SECONDS", 30)
# A claim waits at most this long for a row lock of its chunk (another transaction holding one of the
# rows: a settle, a requeue, an admin action left open); then the chunk is queued again, instead of
# the worker waiting on the lock indefinitely. A busy chunk is not a provider failure: it keeps its
# provider retries, and is queued again at most CAMPAIGN_CLAIM_BUSY_RETRIES times (jittered backoff
# from CAMPAIGN_RETRY_BASE_SECONDS up to CAMPAIGN_ORPHAN_SECONDS); then its rows stay pending for the
# reconcile job, which dispatches them again once the campaign is quiet.
CAMPAIGN_CLAIM_LOCK_TIMEOUT_MS = env_int("CAMPAIGN_CLAIM_LOCK_TIMEOUT_MS", 2000)
CAMPAIGN_CLAIM_BUSY_RETRIES = env_int("CAMPAIGN_CLAIM_BUSY_RETRIES", 4)
# Pending rows that no live task holds (their task died with a worker, or failed while the database
# or broker was down) are dispatched again within CAMPAIGN_ORPHAN_SECONDS: the reconcile job runs
# every CAMPAIGN_RECONCILE_SECONDS and re-dispatches a campaign without progress for the rest.
CAMPAIGN_ORPHAN_SECONDS = env_int("CAMPAIGN_ORPHAN_SECONDS", 60)
CAMPAIGN_RECONCILE_SECONDS = env_int("CAMPAIGN_RECONCILE_SECONDS", 15)
# Transient provider errors (429, 5xx, unreachable): retries of one chunk, with exponential backoff
# and full jitter between CAMPAIGN_RETRY_BASE_SECONDS and CAMPAIGN_RETRY_MAX_SECONDS.
CAMPAIGN_TRANSIENT_MAX_RETRIES = env_int("CAMPAIGN_TRANSIENT_MAX_RETRIES", 6)
CAMPAIGN_RETRY_BASE_SECONDS = env_int("CAMPAIGN_RETRY_BASE_SECONDS", 5)
CAMPAIGN_RETRY_MAX_SECONDS = env_int("CAMPAIGN_RETRY_MAX_SECONDS", 10 * 60)
# E-mails one user's campaigns may send per day (Asia/Seoul calendar day); 0 means no cap.
CAMPAIGN_USER_DAILY_CAP = env_int("CAMPAIGN_USER_DAILY_CAP", 200_000)
# Per-provider token bucket: messages per second and burst. JSON in the environment.
EMAIL_PROVIDER_RATE_LIMITS = json.loads(
    env_str(
        "EMAIL_PROVIDER_RATE_LIMITS",
        '{"sendgrid": [50000, 50000], "mailgun": [2000, 2000], "outbox": [20000, 20000]}',
    )
)
# LLM personalisation: calls one campaign may make before falling back to the rule-based text.
PERSONALIZATION_MAX_CALLS_PER_CAMPAIGN = env_int("PERSONALIZATION_MAX_CALLS_PER_CAMPAIGN", 500)
# The largest model answer read (a 300-token paragraph is ~2 kB); a larger one gets the rule-based text.
PERSONALIZATION_MAX_RESPONSE_BYTES = env_int("PERSONALIZATION_MAX_RESPONSE_BYTES", 65536)
LLM_MAX_RETRIES = env_int("LLM_MAX_RETRIES", 2)

# "Outcome unknown" rows are resolved by asking the provider's log (apps/campaigns/resolution.py).
# Not found this many seconds after the row became unknown (the logs lag), a row is either held for a person
# ("hold") or sent once more ("resend"); campaigns are looked at this many hours after their last
# progress (the providers keep their logs about three days).
CAMPAIGN_UNKNOWN_SETTLE_SECONDS = env_int("CAMPAIGN_UNKNOWN_SETTLE_SECONDS", 15 * 60)
CAMPAIGN_UNKNOWN_NOT_FOUND = env_str("CAMPAIGN_UNKNOWN_NOT_FOUND", "hold")
if CAMPAIGN_UNKNOWN_NOT_FOUND not in ("hold", "resend"):
    raise ValueError(f'CAMPAIGN_UNKNOWN_NOT_FOUND must be "hold" or "resend", not {CAMPAIGN_UNKNOWN_NOT_FOUND!r}')
CAMPAIGN_UNKNOWN_RESOLVE_HOURS = env_int("CAMPAIGN_UNKNOWN_RESOLVE_HOURS", 72)

BEAT_SCHEDULE = {
    "campaigns-start-scheduled": {
        "task": "apps.campaigns.tasks.start_due_campaigns",
        "schedule": timedelta(seconds=30),
    },
    "campaigns-reconcile": {
        "task": "apps.campaigns.tasks.reconcile_campaigns",
        "schedule": timedelta(seconds=CAMPAIGN_RECONCILE_SECONDS),
    },
    "campaigns-resolve-unknown": {
        "task": "apps.campaigns.tasks.resolve_unknown_outcomes",
        # SendGrid's Email Activity API allows 6 requests a minute.
        "schedule": timedelta(seconds=60),
    },
}

# The campaign's status appears in Campaign and CampaignStartResponse: one enum, under its own name.
ENUM_NAME_OVERRIDES = {"CampaignStatusEnum": "apps.campaigns.models.Campaign.Status"}
