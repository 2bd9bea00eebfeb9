"""Deliverability: sender-domain DNS checks, the spam-complaint rate and the SpamAssassin check."""

from celery.schedules import crontab

from ..env import env_float, env_int, env_list, env_str

# Name servers the domain checks ask (IP addresses); empty: the system's resolver (/etc/resolv.conf).
DNS_NAMESERVERS = env_list("DNS_NAMESERVERS", "")
DNS_PORT = env_int("DNS_PORT", 53)  # used with DNS_NAMESERVERS
DNS_TIMEOUT = env_float("DNS_TIMEOUT", 5.0)  # seconds for one lookup

# Sending domains checked besides the ones in DEFAULT_FROM_EMAIL and MAILGUN_DOMAIN (comma-separated).
DELIVERABILITY_EXTRA_SENDER_DOMAINS = env_list("DELIVERABILITY_EXTRA_SENDER_DOMAINS", "")
# DKIM selectors each provider publishes: SendGrid's automated security CNAMEs s1/s2, Mailgun's TXT key.
DELIVERABILITY_SENDGRID_DKIM_SELECTORS = env_list("DELIVERABILITY_SENDGRID_DKIM_SELECTORS", "s1,s2")
DELIVERABILITY_MAILGUN_DKIM_SELECTORS = env_list("DELIVERABILITY_MAILGUN_DKIM_SELECTORS", "smtp,k1,mx,pic,krs")
# Gmail's and Yahoo's 2024 bulk-sender rules: a domain sending more than this a day must publish DMARC.
DELIVERABILITY_DMARC_REQUIRED_DAILY_VOLUME = env_int("DELIVERABILITY_DMARC_REQUIRED_DAILY_VOLUME", 5000)

# Spam complaints per message sent over the last N days, per sending domain: a warning at the first
# rate, advertising campaigns paused at the second (Gmail's bulk-sender limit is 0.3%).
DELIVERABILITY_COMPLAINT_WINDOW_DAYS = env_int("DELIVERABILITY_COMPLAINT_WINDOW_DAYS", 7)
DELIVERABILITY_COMPLAINT_WARN_RATE = env_float("DELIVERABILITY_COMPLAINT_WARN_RATE", 0.001)
DELIVERABILITY_COMPLAINT_PAUSE_RATE = env_float("DELIVERABILITY_COMPLAINT_PAUSE_RATE", 0.003)
# Below this many messages in the window a rate says little (one complaint in 50 is 2%): no pause.
DELIVERABILITY_COMPLAINT_MIN_SENT = env_int("DELIVERABILITY_COMPLAINT_MIN_SENT", 1000)

# SpamAssassin's daemon, e.g. spamd://127.0.0.1:783; empty: the spam check says it is unavailable.
SPAMD_URL = env_str("SPAMD_URL", "")
SPAMD_TIMEOUT = env_float("SPAMD_TIMEOUT", 10.0)  # seconds
# An advertising campaign whose message scores above this does not start; 0 turns the refusal off.
SPAM_CHECK_MAX_SCORE_ADVERTISING = env_float("SPAM_CHECK_MAX_SCORE_ADVERTISING", 5.0)

BEAT_SCHEDULE = {
    "deliverability-check-sender-domains": {
        "task": "apps.deliverability.tasks.check_sender_domains",
        "schedule": crontab(minute=17, hour=3),  # daily, 03:17 Asia/Seoul
    },
    "deliverability-complaint-rates": {
        "task": "apps.deliverability.tasks.update_complaint_rates",
        "schedule": crontab(minute="*/15"),
    },
}
