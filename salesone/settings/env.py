"""Small readers for settings taken from environment variables."""

import os

# Every variable the settings asked for: common/tests/test_env_example.py checks .env.example lists each.
NAMES: set[str] = set()


def _get(name: str, default: str | None = None) -> str | None:
    NAMES.add(name)
    return os.environ.get(name, default)


def env_str(name: str, default: str = "") -> str:
    return _get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = _get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = _get(name)
    return int(value) if value not in (None, "") else default


def env_float(name: str, default: float) -> float:
    value = _get(name)
    return float(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    value = _get(name, default)
    return [item.strip() for item in value.split(",") if item.strip()]
