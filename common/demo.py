"""Demo data: ``manage.py seed_demo`` calls ``seed(ctx)`` in each app's ``demo.py``, in INSTALLED_APPS order.

Every seed function is idempotent: running seed_demo twice leaves the same data as running it once.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps


@dataclass
class DemoContext:
    user: Any  # the staff demo user every demo object belongs to
    stdout: Any
    shared: dict[str, Any] = field(default_factory=dict)  # objects one app's seed hands to a later one

    def say(self, message: str) -> None:
        self.stdout.write(message)


def seed_all(ctx: DemoContext) -> None:
    for config in apps.get_app_configs():
        if not config.name.startswith("apps."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
            continue
        module.seed(ctx)
