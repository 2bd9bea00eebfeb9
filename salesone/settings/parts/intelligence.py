"""Lead intelligence (apps.intelligence, issue 20): enrichment providers, the NTS business-status API,
the homepage reader, the lead score and data hygiene; beat jobs."""

from celery.schedules import crontab

from ..env import env_bool, env_float, env_int, env_list, env_str

# Providers in the order they run; each fills only what the ones before it left empty.
ENRICHMENT_PROVIDERS = env_list("ENRICHMENT_PROVIDERS", "salesone_db,nts,homepage")
# A lead not enriched for this many days is enriched again by the nightly job (at most BATCH a night).
ENRICHMENT_STALE_DAYS = env_int("ENRICHMENT_STALE_DAYS", 30)
ENRICHMENT_STALE_BATCH = env_int("ENRICHMENT_STALE_BATCH", 5000)
# Most leads one bulk enrich request may queue.
ENRICHMENT_BULK_MAX_LEADS = env_int("ENRICHMENT_BULK_MAX_LEADS", 1000)

# 국세청 사업자등록 상태조회 (data.go.kr): empty key: the status check is skipped, and each run says so.
NTS_API_URL = env_str("NTS_API_URL", "https://api.odcloud.kr/api/nts-businessman/v1")
NTS_SERVICE_KEY = env_str("NTS_SERVICE_KEY", "")
NTS_TIMEOUT = env_float("NTS_TIMEOUT", 10.0)  # seconds per call
NTS_RETRIES = env_int("NTS_RETRIES", 3)  # retries of a call that failed (connection, 429, 5xx)
NTS_BACKOFF = env_float("NTS_BACKOFF", 0.5)  # seconds; doubled per retry
# Calls a day (100 numbers each) the key allows (data.go.kr's development key: 10,000); over the quota,
# the checks wait for tomorrow (the run records why).
NTS_DAILY_QUOTA = env_int("NTS_DAILY_QUOTA", 10000)

# The homepage reader (through the SSRF guard; robots.txt obeyed).
HOMEPAGE_TIMEOUT = env_float("HOMEPAGE_TIMEOUT", 5.0)  # seconds per request
HOMEPAGE_MAX_BYTES = env_int("HOMEPAGE_MAX_BYTES", 500_000)  # the rest of a page is never downloaded
HOMEPAGE_USER_AGENT = env_str("HOMEPAGE_USER_AGENT", "SalesOneBot/1.0")
# Hosts the reader may reach although they resolve to private addresses (tests: 127.0.0.1).
HOMEPAGE_ALLOWED_HOSTS = env_list("HOMEPAGE_ALLOWED_HOSTS", "")

# The engagement half of the score: an event's points halve every this many days.
LEAD_SCORE_HALF_LIFE_DAYS = env_float("LEAD_SCORE_HALF_LIFE_DAYS", 30.0)
# Leads with tracking events this recent are rescored every minute (the nightly job rescores all).
LEAD_SCORE_EVENT_LOOKBACK_MINUTES = env_int("LEAD_SCORE_EVENT_LOOKBACK_MINUTES", 10)

BEAT_SCHEDULE = {
    "intelligence-enrich-stale-leads": {
        "task": "apps.intelligence.tasks.enrich_stale_leads",
        "schedule": crontab(minute=40, hour=2),  # daily, 02:40 Asia/Seoul
    },
    "intelligence-rescore-engaged-leads": {
        "task": "apps.intelligence.tasks.rescore_engaged_leads",
        "schedule": crontab(minute="*"),
    },
    "intelligence-rescore-all-leads": {
        "task": "apps.intelligence.tasks.rescore_all_leads",
        "schedule": crontab(minute=10, hour=4),  # nightly: recency decays without events
    },
}

# Most industry codes or regions one ideal-customer profile may list.
IDEAL_CUSTOMER_PROFILE_MAX_VALUES = env_int("IDEAL_CUSTOMER_PROFILE_MAX_VALUES", 100)

# Data hygiene: MX lookups of lead e-mail domains (off: HYGIENE_MX_CHECK=false, e.g. offline), cached this long.
HYGIENE_MX_CHECK = env_bool("HYGIENE_MX_CHECK", True)
HYGIENE_MX_CACHE_SECONDS = env_int("HYGIENE_MX_CACHE_SECONDS", 86400)
# The weekly report lists leads with no change and no e-mail event for this many days.
STALE_LEAD_DAYS = env_int("STALE_LEAD_DAYS", 60)

BEAT_SCHEDULE.update(
    {
        "intelligence-check-lead-hygiene": {
            "task": "apps.intelligence.tasks.check_lead_hygiene",
            "schedule": crontab(minute=20, hour=3),  # daily, 03:20 Asia/Seoul
        },
        "intelligence-stale-lead-reports": {
            "task": "apps.intelligence.tasks.send_stale_lead_reports",
            "schedule": crontab(minute=0, hour=8, day_of_week="mon"),  # Mondays 08:00 Asia/Seoul
        },
    }
)

# Insights of leads and clients (GET /api/leads/{id}/insights/, /api/clients/clients/{id}/insights/): the
# backend class; the rule-based one answers in the request. Another (services.llm.insights.
# OpenAICompatibleInsights: LLM_API_BASE_URL, LLM_API_KEY, LLM_MODEL) is asked by a worker while the
# request answers with the rule-based text and status "pending".
INSIGHTS_BACKEND = env_str("INSIGHTS_BACKEND", "services.llm.insights.RuleBasedInsights")
INSIGHTS_LLM_TIMEOUT = env_float("INSIGHTS_LLM_TIMEOUT", 20.0)  # seconds for the whole answer
INSIGHTS_MAX_TOKENS = env_int("INSIGHTS_MAX_TOKENS", 600)  # the model's max_tokens
INSIGHTS_MAX_RESPONSE_BYTES = env_int("INSIGHTS_MAX_RESPONSE_BYTES", 65536)  # an answer above is refused
INSIGHTS_MAX_FIELD_CHARS = env_int("INSIGHTS_MAX_FIELD_CHARS", 400)  # each text kept at most
# How long an answer is kept (a change of its inputs makes a new one at once), and how long after a
# failed model call the rule-based answer stands before the model is asked again.
INSIGHTS_CACHE_SECONDS = env_int("INSIGHTS_CACHE_SECONDS", 7 * 86400)
INSIGHTS_RETRY_SECONDS = env_int("INSIGHTS_RETRY_SECONDS", 600)

# Schema enum names (merged into SPECTACULAR_SETTINGS): workflow executions have a "trigger" too, and
# keep the name TriggerEnum they had before.
ENUM_NAME_OVERRIDES = {
    "EnrichmentRunTriggerEnum": "apps.intelligence.models.EnrichmentRun.Trigger",
    "TriggerEnum": "apps.workflows.models.WorkflowExecution.Trigger",
}
