"""Settings shared by every environment; each value can be set from the environment (.env.example)."""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from kombu import Queue

from .env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# Public base URL of this API, used in links inside e-mails (tracking pixel, unsubscribe).
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "corsheaders",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    # Swagger UI and ReDoc served from our static files: /api/docs/ works offline, no CDN.
    "drf_spectacular_sidecar",
    "common",
    # Order matters for seed_demo: an app's demo data may use the apps above it.
    "apps.accounts",
    "apps.products",
    "apps.salesone_leads",
    "apps.leads",
    "apps.consent",  # after leads: its demo seed records the demo leads' consent
    "apps.opportunities",
    "apps.clients",
    "apps.mail",
    "apps.campaigns",
    "apps.tracking",
    "apps.workflows",
    "apps.tasks",
    "apps.deliverability",
    "apps.intelligence",
    "apps.privacy",
    "apps.sequences",
]

MIDDLEWARE = [
    # Request ids (common/request_id.py), JSON errors under /api/ (common/middleware.py); first: they see all.
    "common.request_id.RequestIdMiddleware",
    "common.middleware.ApiErrorMiddleware",
    # Requests per route, their latency and status (common/metrics.py); /api/t/ is skipped at once.
    "common.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The open pixel and click redirect stop here, served without the rest (apps/tracking/middleware.py).
    "apps.tracking.middleware.TrackingFastPathMiddleware",
    # Inbound workflow hook POSTs (no Origin) likewise, with only the language of their errors
    # (apps/workflows/middleware.py).
    "apps.workflows.middleware.HookFastPathMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # One language per response, from Accept-Language (LANGUAGES; LANGUAGE_CODE without one).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "salesone.urls"
WSGI_APPLICATION = "salesone.wsgi.application"
ASGI_APPLICATION = "salesone.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/salesone"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# PostgreSQL's JIT compiler pays off for long analytical queries, not for ours: it spent 10-20 ms
# compiling search pages and ~0.5 s on campaign completion checks whose plans cost just over
# jit_above_cost, for queries that then ran in a few ms (bench_salesone_search, bench_campaign_send).
DATABASES["default"].setdefault("OPTIONS", {})["options"] = env_str("DB_SESSION_OPTIONS", "-c jit=off")
# A PostgreSQL host that does not answer (down, firewalled) fails the connect after this many seconds
# instead of hanging for the kernel's ~2 minutes (tracking then keeps its events in Redis).
DATABASES["default"]["OPTIONS"]["connect_timeout"] = env_int("DB_CONNECT_TIMEOUT", 5)
# Parallel test runs on one machine each name their own test database.
DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME", "test_salesone")}
# A streaming replica of the primary: the national company database's reads go there (search), outside
# a transaction the code opened (common/db_routers.py). Never migrated: it follows the primary.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"], conn_health_checks=True
    )
    DATABASES["replica"]["OPTIONS"] = dict(DATABASES["default"]["OPTIONS"])
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
# Behind a transaction-pooling PgBouncer: a session-mode pool (or PostgreSQL itself) for the code that
# needs one session across transactions (common/db_routers.py, docs/operations.md).
DATABASE_SESSION_URL = env_str("DATABASE_SESSION_URL", "")
if DATABASE_SESSION_URL:
    DATABASES["session"] = dj_database_url.parse(
        DATABASE_SESSION_URL, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"]
    )
    DATABASES["session"]["OPTIONS"] = dict(DATABASES["default"]["OPTIONS"])
    DATABASES["session"]["TEST"] = {"MIRROR": "default"}
# PgBouncer in transaction mode cannot keep a server-side cursor (QuerySet.iterator()) between the
# statements that fetch it: true there, and Django fetches every row at once.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool("DB_DISABLE_SERVER_SIDE_CURSORS", False)
DATABASE_ROUTERS = ["common.db_routers.ReplicaRouter"]
# The models whose reads the router sends to the replica.
DATABASE_REPLICA_MODELS = ["salesone_leads.salesonelead", "salesone_leads.industry", "salesone_leads.keyword"]

REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "salesone",
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_CONNECT_TIMEOUT": 2,
            "SOCKET_TIMEOUT": 2,
        },
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ko-kr"
# The languages a client may ask for (Accept-Language); our own labels and messages are English in
# the code, Korean in locale/ko (compiled by `make venv` and at test start, never committed).
LANGUAGES = [("ko", "한국어"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Seoul"  # schedules, sending windows and due dates; the API speaks UTC
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Password reset: the link e-mailed to the user opens the SPA's reset page with {uid} and {token},
# which it posts to /api/auth/password-reset/confirm/; a link works once, for this many seconds.
PASSWORD_RESET_URL = env_str("PASSWORD_RESET_URL", "http://localhost:3000/reset-password?uid={uid}&token={token}")
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 60 * 60)
# Registration: the confirmation link opens the SPA's page with {uid} and {token}, which it posts to
# /api/auth/registration/confirm/ (valid as long as a reset link).
REGISTRATION_CONFIRM_URL = env_str(
    "REGISTRATION_CONFIRM_URL", "http://localhost:3000/confirm-email?uid={uid}&token={token}"
)

CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", "http://localhost:3000,http://127.0.0.1:3000")
CORS_ALLOW_CREDENTIALS = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["apps.accounts.authentication.VersionedJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "common.pagination.StandardPagination",
    # DRF's JSON written by orjson (common/renderers.py), and DRF's browsable API.
    "DEFAULT_RENDERER_CLASSES": [
        "common.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "PAGE_SIZE": 20,
    # A list answers 400 to a parameter, filter value or ordering it cannot honour (common/filters.py).
    "DEFAULT_FILTER_BACKENDS": [
        "common.filters.StrictFilterBackend",
        "rest_framework.filters.SearchFilter",
        "common.filters.StrictOrderingFilter",
    ],
    # drf-spectacular, plus the error responses every operation can give (common/schema.py).
    "DEFAULT_SCHEMA_CLASS": "common.schema.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "common.throttles.AnonRateThrottle",
        "common.throttles.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("THROTTLE_ANON", "120/min"),
        "user": env_str("THROTTLE_USER", "2000/min"),
        "login_ip": env_str("THROTTLE_LOGIN_IP", "20/min"),
        "login_email": env_str("THROTTLE_LOGIN_EMAIL", "5/min"),
        "registration": env_str("THROTTLE_REGISTRATION", "20/hour"),
        "password_reset_ip": env_str("THROTTLE_PASSWORD_RESET_IP", "20/hour"),
        "password_reset_email": env_str("THROTTLE_PASSWORD_RESET_EMAIL", "3/hour"),
        "password_check": env_str("THROTTLE_PASSWORD_CHECK", "5/min"),
    },
    "EXCEPTION_HANDLER": "common.exceptions.exception_handler",
    # JSON bodies nested deeper than JSON_MAX_DEPTH are a 400 (common/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "common.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "COERCE_DECIMAL_TO_STRING": False,  # decimals are JSON numbers (DESIGN.md)
    # Applied to the UTC value by common.serializers.DateTimeField, the only datetime field the API uses:
    # DRF alone would apply it to Asia/Seoul time, nine hours off under the literal "Z".
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%S.%fZ",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "SalesOne API",
    "DESCRIPTION": "B2B sales engagement for the Korean market: leads, campaigns, CRM and workflows.\n\n"
    "Datetimes are ISO 8601: every datetime in a response is UTC with a `Z`; a datetime sent in is read "
    "with its offset (`Z`, `+09:00`), and one without an offset is read as Asia/Seoul time.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/",
    # Several models have a "status" with different choices; each set gets a stable name (the
    # settings parts add their apps' entries). common/tests/test_schema.py fails on any warning.
    "ENUM_NAME_OVERRIDES": {"ImportJobStatusEnum": "apps.salesone_leads.models.ImportJob.Status"},
    # /api/docs/ and /api/redoc/ load their scripts from drf-spectacular-sidecar (our static files),
    # never from a CDN: the docs work offline and do not change under the SPA developer's feet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# Deliverability: the SPF, DKIM, DMARC and overall verdicts of a sender domain share one choice set.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]["DeliverabilityCheckStatusEnum"] = "apps.deliverability.models.CheckStatus"

# Celery: broker and results on Redis, JSON only, acks after the task ran so a crash redelivers it.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes every database connection after every task unless this is set: a
# new PostgreSQL connection per task costs more than most of our tasks. With it, a worker keeps its
# connection like a web process does: celery_app.py checks it before each task against
# CONN_MAX_AGE and the health check, as Django does at the start of a request.
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 1000)
# Every task waits out a database or broker connection error (common/tasks.py TransientRetryTask):
# retried with exponential backoff and jitter from the base up to the max seconds, this many times.
TASK_RETRY_BASE_SECONDS = env_int("TASK_RETRY_BASE_SECONDS", 1)
TASK_RETRY_MAX_SECONDS = env_int("TASK_RETRY_MAX_SECONDS", 5 * 60)
TASK_RETRY_MAX_ATTEMPTS = env_int("TASK_RETRY_MAX_ATTEMPTS", 100)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 25 * 60)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 30 * 60)
# Longer than the longest task (CELERY_TASK_TIME_LIMIT), or Redis would hand a running task to a
# second worker.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 2 * 60 * 60),
}
CELERY_RESULT_EXPIRES = 24 * 60 * 60
CELERY_TASK_DEFAULT_QUEUE = "default"
# Queues: transactional mail never waits behind a campaign.
CELERY_TASK_QUEUES_ALL = ["default", "transactional", "campaigns", "tracking", "workflows", "imports"]
# Declared, so a plain `celery -A celery_app worker` consumes every queue (`-Q` narrows it); without
# this a worker took only "default" and campaigns never sent. Every routed queue must be listed
# (common/tests/test_celery_queues.py).
CELERY_TASK_QUEUES = [Queue(name) for name in CELERY_TASK_QUEUES_ALL]
CELERY_TASK_ROUTES = {
    "apps.mail.tasks.*": {"queue": "transactional"},
    "apps.accounts.tasks.*": {"queue": "transactional"},
    "apps.campaigns.tasks.*": {"queue": "campaigns"},
    "apps.tracking.tasks.*": {"queue": "tracking"},
    "apps.workflows.tasks.*": {"queue": "workflows"},
    "apps.salesone_leads.tasks.*": {"queue": "imports"},
}
CELERY_BEAT_SCHEDULE: dict = {}
# Worker and beat processes log through LOGGING below (celery_app.py connects setup_logging).
# /api/health/ asks the workers which queues they consume; it waits this long for their replies.
HEALTH_WORKER_REPLY_SECONDS = env_float("HEALTH_WORKER_REPLY_SECONDS", 0.5)

# E-mail: providers are tried in order, falling back to the next on an outage. The outbox stores
# every message in the database, so development needs no account.
EMAIL_PROVIDERS = env_list("EMAIL_PROVIDERS", "outbox")
# The short names EMAIL_PROVIDERS may use (a dotted path to a class works too).
EMAIL_PROVIDER_CLASSES = {
    "outbox": "apps.mail.outbox.OutboxProvider",
    "sendgrid": "services.email.sendgrid.SendGridProvider",
    "mailgun": "services.email.mailgun.MailgunProvider",
}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "SalesOne <no-reply@salesone.kr>")
SENDGRID_API_KEY = env_str("SENDGRID_API_KEY", "")
SENDGRID_API_HOST = env_str("SENDGRID_API_HOST", "https://api.sendgrid.com")
SENDGRID_WEBHOOK_PUBLIC_KEY = env_str("SENDGRID_WEBHOOK_PUBLIC_KEY", "")
MAILGUN_API_KEY = env_str("MAILGUN_API_KEY", "")
MAILGUN_DOMAIN = env_str("MAILGUN_DOMAIN", "")
MAILGUN_API_BASE_URL = env_str("MAILGUN_API_BASE_URL", "https://api.mailgun.net/v3")
MAILGUN_WEBHOOK_SIGNING_KEY = env_str("MAILGUN_WEBHOOK_SIGNING_KEY", "")
EMAIL_HTTP_TIMEOUT = env_float("EMAIL_HTTP_TIMEOUT", 10.0)

# Slack
SLACK_BOT_TOKEN = env_str("SLACK_BOT_TOKEN", "")
SLACK_API_BASE_URL = env_str("SLACK_API_BASE_URL", "https://slack.com/api/")

# LLM personalisation (OpenAI-compatible HTTP API)
PERSONALIZATION_BACKEND = env_str("PERSONALIZATION_BACKEND", "services.llm.rule_based.RuleBasedBackend")
LLM_API_BASE_URL = env_str("LLM_API_BASE_URL", "https://api.openai.com/v1")
LLM_API_KEY = env_str("LLM_API_KEY", "")
LLM_MODEL = env_str("LLM_MODEL", "gpt-4o-mini")
LLM_TIMEOUT = env_float("LLM_TIMEOUT", 20.0)

# "json": one JSON object a line with request_id, user_id, task_id, task_name and campaign_id
# (common/log_context.py), for a log shipper; "plain": one readable line (development's default).
LOG_FORMAT = env_str("LOG_FORMAT", "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s %(message)s"},
        "json": {"()": "common.log_context.JsonLogFormatter", "fmt": "%(message)s"},
    },
    "filters": {
        # request_id, user_id, task_id, task_name and campaign_id on every record
        "request_id": {"()": "common.log_context.LogContextFilter"},
        # URL secrets (inbound secret, stream token) masked in every line: salesone/log_redaction.py
        "redact_secrets": {"()": "salesone.log_redaction.RedactSecretsFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id", "redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Django's own default handlers (unfiltered, and a second copy of each django.request line
        # under DEBUG) are replaced: its records go through the filtered console handler.
        "django": {"handlers": [], "propagate": True},
        "django.server": {"handlers": ["console"], "propagate": False},
    },
}

# The benchmarks (bench/, manage.py bench_*) are no part of the product: development and test
# settings install the bench app and route its URL; production never does.
BENCH_ENABLED = False

# Each feature area keeps its own settings in parts/<area>.py (upper-case names only).
from .parts import load_parts  # noqa: E402

# Merged in this order (a later part wins a name two parts define; parts/__init__.py says which dicts
# are merged). Every module in parts/ must be listed: an unlisted one is an error at start-up.
load_parts(
    globals(),
    [
        "api_requests",  # request body and JSON depth limits, the request id header, CORS-exposed headers
        "campaigns",  # campaign sending: chunk size, leases, retries, provider rate limits, daily caps; beat jobs
        "crm_clients",  # client file upload limits and types; task beat jobs; clients' and tasks' schema enum names
        "crm_leads",  # the opportunity status enum's schema name
        "deliverability",  # DNS checks of sender domains, complaint-rate thresholds, SpamAssassin; beat jobs
        "intelligence",  # lead enrichment (NTS status, homepage reader), the lead score, hygiene; beat jobs
        "observability",  # /metrics guard and collectors, Prometheus multiprocess directory, Sentry
        "outbound",  # timeouts of calls to Slack and the LLM API
        "privacy",  # the consent ledger's rules, re-confirmation beat job, field encryption keys, exports
        "reports_tasks",  # campaign report e-mails; task reminders' lead times, auto-assign, analytics cache
        "salesone_leads",  # SalesOne DB search and import limits
        "sequences",  # sequences: mailbox caps and warm-up, per-user limits, stop rules, the scheduler's beat job
        "templates",  # CPU time, output size, digits and loop limits of every user-written template
        "tracking",  # link signing, the Redis event queue, machine detection, webhooks, live stream; beat jobs
        "workflows",  # workflow node plugins, webhook hosts, stall and delay limits; beat jobs
    ],
)
