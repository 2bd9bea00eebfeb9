"""Consent and privacy (issue 22): the consent ledger's rules, data-subject export, field encryption."""

from celery.schedules import crontab

from ..env import env_bool, env_int, env_list

# Leads already in the system when the consent ledger appeared were recorded as "existing data, basis
# unknown" (apps/consent migration 0002). Advertising campaigns exclude them unless this is true.
CONSENT_ALLOW_UNKNOWN_BASIS = env_bool("CONSENT_ALLOW_UNKNOWN_BASIS", False)
# The two-yearly re-confirmation notice (정보통신망법 제50조⑧) goes out this many days before the 2 years end.
CONSENT_RECONFIRM_NOTICE_DAYS = env_int("CONSENT_RECONFIRM_NOTICE_DAYS", 30)
# A double opt-in confirmation link is good for this many days.
CONSENT_OPT_IN_LINK_DAYS = env_int("CONSENT_OPT_IN_LINK_DAYS", 7)
# One user's consent events recorded through the API per day (a runaway form script stops here).
CONSENT_EVENTS_PER_DAY = env_int("CONSENT_EVENTS_PER_DAY", 10000)

# Fernet keys (urlsafe base64, 32 bytes) of the encrypted fields, comma-separated, newest first: new
# values are encrypted with the first, every one decrypts (MultiFernet), `manage.py rotate_field_keys`
# re-encrypts with the first. Empty: a fixed development key when DEBUG or under tests, else start-up fails.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", "")

# A data-subject export's ZIP is kept this many days, then deleted by a daily beat job (the request
# stays in the audit log as "expired").
PRIVACY_EXPORT_KEEP_DAYS = env_int("PRIVACY_EXPORT_KEEP_DAYS", 7)
# Open (queued or running) export requests one user may have at a time.
PRIVACY_MAX_OPEN_EXPORTS = env_int("PRIVACY_MAX_OPEN_EXPORTS", 5)

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
