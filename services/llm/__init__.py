"""Personalisation backends: fill ``data["llm-generation"]`` for each lead before a template renders.

settings.PERSONALIZATION_BACKEND names the class (a dotted path). Every backend implements
``generate(leads, campaign_id=...) -> list[str]``, one text per lead, in order.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.utils.module_loading import import_string

from .base import LeadProfile, PersonalizationBackend

__all__ = ["LeadProfile", "PersonalizationBackend", "get_personalization_backend"]


@functools.cache
def _backend(path: str) -> PersonalizationBackend:
    return import_string(path)()


def get_personalization_backend() -> PersonalizationBackend:
    return _backend(settings.PERSONALIZATION_BACKEND)
