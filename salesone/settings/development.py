"""Local development: DEBUG on and a fixed, clearly unsafe key unless the environment sets one."""

import os

os.environ.setdefault("DEBUG", "true")

from .base import *  # noqa: F403
from .env import env_str

SECRET_KEY = env_str("SECRET_KEY", "dev-insecure-key-do-not-use-in-production")

# Static files (the admin's, the API docs' Swagger UI and ReDoc) straight from the apps, without
# collectstatic; production serves the collected copy (Dockerfile, `make static`).
WHITENOISE_USE_FINDERS = True
