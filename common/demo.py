"""Demo data: ``manage.py seed_demo`` calls ``seed(ctx)`` in each app's ``demo.py``, in INSTALLED_APPS order.

Every seed function is idempotent and touches only the demo user's own objects: running seed_demo
twice, or after users have added or changed data, changes nothing and fails nothing. Seeds find their
objects with ``demo_get_or_create``, which never updates and never raises MultipleObjectsReturned.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import transaction

logger = logging.getLogger(__name__)


def demo_get_or_create(model, *, defaults: dict | None = None, **lookup):
    """(object, created): the oldest object matching ``lookup``, or a new one made from lookup and
    defaults. An existing object is left as it is: what a user changed in it stays changed, and a
    user's object with the same name is never a second match that fails the seed."""
    # Oldest first: most primary keys are random UUIDs, so created_at decides where the model has it.
    ordering = ("created_at", "pk") if any(f.name == "created_at" for f in model._meta.fields) else ("pk",)
    existing = model.objects.filter(**lookup).order_by(*ordering).first()
    if existing is not None:
        return existing, False
    return model.objects.create(**{**(defaults or {}), **lookup}), True


@dataclass
class DemoContext:
    user: Any  # the staff demo user every demo object belongs to
    stdout: Any
    shared: dict[str, Any] = field(default_factory=dict)  # objects one app's seed hands to a later one

    def say(self, message: str) -> None:
        self.stdout.write(message)


def seed_all(ctx: DemoContext) -> list[str]:
    """Seed every app, each in its own savepoint: an app whose seed fails is reported and rolled
    back, the others are seeded all the same. Returns the labels of the apps that failed."""
    failed = []
    for config in apps.get_app_configs():
        if not config.name.startswith("apps."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
            continue
        try:
            with transaction.atomic():
                module.seed(ctx)
        except Exception as exc:  # demo data must never keep the server from starting
            logger.exception("seed_demo: %s failed", config.label)
            ctx.say(f"{config.label}: demo data skipped ({exc.__class__.__name__}: {exc})")
            failed.append(config.label)
    return failed
