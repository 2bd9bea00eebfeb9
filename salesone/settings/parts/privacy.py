"""Consent and privacy (issue 22): the consent ledger's rules, data-subject export, field encryption."""

from celery.schedules import crontab

from ..env import env_bool, env_int, env_list, env_str

# Leads already in the system when the consent ledger appeared were recorded as "existing data, basis
# unknown" (apps/consent migration 0002). Advertising campaigns exclude them unless this is true.
CONSENT_ALLOW_UNKNOWN_BASIS = env_bool("CONSENT_ALLOW_UNKNOWN_BASIS", False)
# The two-yearly re-confirmation notice (정보통신망법 제50조⑧) goes out this many days before the 2 years end.
CONSENT_RECONFIRM_NOTICE_DAYS = env_int("CONSENT_RECONFIRM_NOTICE_DAYS", 30)
# A double opt-in confirmation link is good for this many days.
CONSENT_OPT_IN_LINK_DAYS = env_int("CONSENT_OPT_IN_LINK_DAYS", 7)
# One user's consent events recorded through the API per day (a runaway form script stops here).
CONSENT_EVENTS_PER_DAY = env_int("CONSENT_EVENTS_PER_DAY", 10000)
# The lead import (POST /api/leads/import/, apps/consent/lead_import.py): the largest file (413 above)
# and the most rows one file may have (400 above); the whole file is checked before any row is written.
LEAD_IMPORT_MAX_BYTES = env_int("LEAD_IMPORT_MAX_BYTES", 5 * 1024 * 1024)
LEAD_IMPORT_MAX_ROWS = env_int("LEAD_IMPORT_MAX_ROWS", 5000)
# Double opt-in e-mails one user may ask for in 24 hours (each one mails a stranger: a low cap).
CONSENT_OPT_IN_REQUESTS_PER_DAY = env_int("CONSENT_OPT_IN_REQUESTS_PER_DAY", 50)
# An address with an open opt-in request younger than this many days is not asked again (409).
CONSENT_OPT_IN_REPEAT_DAYS = env_int("CONSENT_OPT_IN_REPEAT_DAYS", 7)
# The largest consent evidence file (413 above).
CONSENT_EVIDENCE_MAX_BYTES = env_int("CONSENT_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)

# Fernet keys (urlsafe base64, 32 bytes) of the encrypted fields, comma-separated, newest first: new
# values are encrypted with the first, every one decrypts (MultiFernet), `manage.py rotate_field_keys`
# re-encrypts with the first. Empty: a fixed development key when DEBUG or under tests, else start-up fails.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", "")

# A data-subject export's ZIP is kept this many days, then deleted by a daily beat job (the request
# stays in the audit log as "expired").
PRIVACY_EXPORT_KEEP_DAYS = env_int("PRIVACY_EXPORT_KEEP_DAYS", 7)
# Open (queued or running) export requests one user may have at a time.
PRIVACY_MAX_OPEN_EXPORTS = env_int("PRIVACY_MAX_OPEN_EXPORTS", 5)
# Erasures one user may ask for, as a DRF rate (n/second, minute, hour or day; 429 beyond).
PRIVACY_ERASE_RATE = env_str("PRIVACY_ERASE_RATE", "30/hour")

ENUM_NAME_OVERRIDES = {
    "PrivacyRequestStatusEnum": "apps.privacy.models.PrivacyRequest.Status",
    "PrivacyRequestKindEnum": "apps.privacy.models.PrivacyRequest.Kind",
    "ConsentEventKindEnum": "apps.consent.models.ConsentEvent.Kind",
    "ConsentBasisEnum": "apps.consent.models.ConsentEvent.Basis",
}

BEAT_SCHEDULE = {
    "consent-reconfirm-due": {
        "task": "apps.consent.tasks.send_consent_reconfirmations",
        "schedule": crontab(minute=30, hour=9),  # Asia/Seoul: a working-hours notice, once a day
    },
    "privacy-exports-expire": {
        "task": "apps.privacy.tasks.expire_privacy_exports",
        "schedule": crontab(minute=15, hour=4),  # Asia/Seoul, a quiet hour
    },
}
TASK_ROUTES = {
    "apps.consent.tasks.*": {"queue": "transactional"},
    "apps.privacy.tasks.*": {"queue": "default"},
}
