"""Tests: real PostgreSQL and Redis, fast password hashing."""

from .development import *  # noqa: F403
from .development import INSTALLED_APPS

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
# bench/tests/ test the benchmarks, whatever BENCH_ENABLED says.
BENCH_ENABLED = True
if "bench" not in INSTALLED_APPS:
    INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
