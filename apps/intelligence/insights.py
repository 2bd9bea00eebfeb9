"""Insights through the pluggable backend (services.llm.insights), cached by a fingerprint of their inputs.

Lead insights (selectors.lead_insights) and client insights (apps.clients) both come here with an
``InsightRequest``: the facts of the subject, all of them its owner's own data, and the rule-based
answer. Each subject registers how to build its request from an id (``insights_subject_register``), so the
worker rebuilds it from the database: no data of the user travels through the broker. The cache key
holds a hash of the request (facts, draft, language) and of the backend and model, so any change of
the inputs makes a new answer, and an unchanged subject is never asked twice.

A backend that ``runs_in_request`` (the rule-based default) answers at once. Any other is never
waited on: the request gets the rule-based answer with ``insight_status`` ``pending`` and a worker
(tasks.generate_insights, queued after the commit, at most one in flight per key) asks the model and
stores its answer (``ready``); a model that fails or times out leaves the rule-based answer with
``fallback`` and the reason, and it is asked again after INSIGHTS_RETRY_SECONDS.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation

from services.llm.insights import InsightRequest, InsightsError, get_insights_backend

logger = logging.getLogger(__name__)


class Status:
    READY = "ready"  # the backend's answer
    PENDING = "pending"  # the rule-based answer; a worker is asking the model
    FALLBACK = "fallback"  # the rule-based answer; the model failed (fallback_reason says why)


STATUSES = [Status.READY, Status.PENDING, Status.FALLBACK]
RULE_BASED = "rule_based"

# subject → a function of (subject id) giving its InsightRequest in the active language, or None
# when the subject is gone.
SUBJECTS: dict[str, Callable[[str], InsightRequest | None]] = {}


def insights_subject_register(name: str, builder: Callable[[str], InsightRequest | None]) -> None:
    """Register how the worker rebuilds a subject's request from its id (at import of its selectors)."""
    SUBJECTS[name] = builder


def insights_key(request: InsightRequest, subject_id) -> str:
    payload = json.dumps(
        [request.as_dict(), settings.INSIGHTS_BACKEND, settings.LLM_MODEL],
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    fingerprint = hashlib.sha256(payload.encode()).hexdigest()[:40]
    return f"intelligence:insights:{request.subject}:{subject_id}:{fingerprint}"


def _answer(fields: dict, *, backend: str, status: str, reason: str = "") -> dict:
    return {
        "fields": fields,
        "backend": backend,
        "insight_status": status,
        "generated_at": timezone.now(),
        "fallback_reason": reason or None,
    }


def insights_answer(*, request: InsightRequest, subject_id) -> dict:
    """The cached answer to ``request``, else one made now (rule-based) or queued (any other backend):
    ``{fields, backend, insight_status, generated_at, fallback_reason}``."""
    key = insights_key(request, subject_id)
    cached = cache.get(key)
    if cached is not None:
        return cached
    backend = get_insights_backend()
    if backend.runs_in_request:
        answer = _answer(backend.generate(request), backend=backend.name, status=Status.READY)
        cache.set(key, answer, timeout=settings.INSIGHTS_CACHE_SECONDS)
        return answer
    # One worker per key at a time; the lock outlives a stuck worker by at most twice the timeout.
    if cache.add(f"{key}:pending", 1, timeout=int(settings.INSIGHTS_LLM_TIMEOUT * 2) + 30):
        from .tasks import generate_insights

        args = (request.subject, str(subject_id), request.language)
        lock = f"{key}:pending"

        def queue() -> None:
            try:
                generate_insights.delay(*args)
            except Exception:  # the broker is down: the rule-based answer stands, a later view asks again
                logger.exception("insights of %s %s could not be queued", request.subject, subject_id)
                cache.delete(lock)

        transaction.on_commit(queue)
    return _answer(dict(request.draft), backend=RULE_BASED, status=Status.PENDING)


def insights_fill(*, subject: str, subject_id: str, language: str) -> dict | None:
    """A worker's part: rebuild the subject's request, ask the configured backend and store its answer
    under the request's key, or the rule-based answer with the reason when it fails (kept
    INSIGHTS_RETRY_SECONDS, then asked again). None when the subject no longer exists."""
    with translation.override(language):
        request = SUBJECTS[subject](subject_id)
    if request is None:
        return None
    key = insights_key(request, subject_id)
    cached = cache.get(key)
    if cached is not None:  # a task queued twice (a queue wait longer than the lock) asks the model once
        cache.delete(f"{key}:pending")
        return cached
    backend = get_insights_backend()
    try:
        try:
            answer = _answer(backend.generate(request), backend=backend.name, status=Status.READY)
        except SoftTimeLimitExceeded as exc:  # a server trickling its answer past INSIGHTS_LLM_TIMEOUT
            raise InsightsError(f"no answer within {settings.INSIGHTS_LLM_TIMEOUT:g} s") from exc
        timeout = settings.INSIGHTS_CACHE_SECONDS
    except InsightsError as exc:
        logger.warning("insights of %s %s: %s failed, rule-based kept: %s", subject, subject_id, backend.name, exc)
        answer = _answer(dict(request.draft), backend=RULE_BASED, status=Status.FALLBACK, reason=str(exc))
        timeout = settings.INSIGHTS_RETRY_SECONDS
    cache.set(key, answer, timeout=timeout)
    cache.delete(f"{key}:pending")
    return answer
