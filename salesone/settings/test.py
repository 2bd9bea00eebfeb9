"""Tests: real PostgreSQL and Redis, fast password hashing."""

from .development import *  # noqa: F403
from .development import INSTALLED_APPS
from .env import env_bool

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
# bench/tests/ test the benchmarks, whatever BENCH_ENABLED says.
BENCH_ENABLED = True
if "bench" not in INSTALLED_APPS:
    INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
# The owner's report e-mail on completion is off in tests unless a test turns it on (the report
# tests do, and pass the variable to their worker): the campaign tests count every message their fake
# providers receive, and the report would be one more.
CAMPAIGN_REPORT_EMAIL_ENABLED = env_bool("CAMPAIGN_REPORT_EMAIL_ENABLED", False)
