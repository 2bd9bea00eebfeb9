"""Local development: DEBUG on and a fixed, clearly unsafe key unless the environment sets one."""

import os

os.environ.setdefault("DEBUG", "true")

from .base import *  # noqa: F403
from .env import env_str

SECRET_KEY = env_str("SECRET_KEY", "dev-insecure-key-do-not-use-in-production")
