"""Local development: DEBUG on and a fixed, clearly unsafe key unless the environment sets one."""

import os

os.environ.setdefault("DEBUG", "true")
# Readable log lines on a developer's console; deployments log JSON (LOG_FORMAT).
os.environ.setdefault("LOG_FORMAT", "plain")

from .base import *  # noqa: F403
from .base import INSTALLED_APPS
from .env import env_bool, env_str

SECRET_KEY = env_str("SECRET_KEY", "dev-insecure-key-do-not-use-in-production")

# The benchmarks' app (bench/: manage.py bench_*, chaos_send) and its URL; BENCH_ENABLED=false leaves them out.
BENCH_ENABLED = env_bool("BENCH_ENABLED", True)
if BENCH_ENABLED:
    INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
# Static files (the admin's, the API docs' Swagger UI and ReDoc) straight from the apps, without
# collectstatic; production serves the collected copy (Dockerfile, `make static`).
WHITENOISE_USE_FINDERS = True
