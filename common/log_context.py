"""What every log line says about where it comes from: the request id, the user, the Celery task and the
campaign, when known; and the JSON line format (LOG_FORMAT=json) that carries them.

A request sets its id (common/request_id.py) and, once DRF has authenticated it, its user is read from
the request (never by a query of its own). A task queued while a request or another task runs carries
``request_id``, ``user_id`` and ``campaign_id`` in its message headers (``task_publish_headers``); the
worker binds them, with the task's own id and its ``campaign_id`` argument, for the task's duration
(``task_context_bind``), so one id follows a click on "start" through every chunk task it causes.
"""

from __future__ import annotations

import contextvars
import inspect
import logging
from datetime import UTC, datetime
from functools import lru_cache

from pythonjsonlogger.json import JsonFormatter

from .request_id import current_request_var, request_id_var

user_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("user_id", default=None)
task_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("task_id", default=None)
task_name_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("task_name", default=None)
campaign_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("campaign_id", default=None)

# The message headers a task carries from where it was queued.
PROPAGATED_HEADERS = ("request_id", "user_id", "campaign_id")


def current_user_id() -> str | None:
    """The authenticated user of the request being served, or the user a task was queued for.

    Only a user already loaded is read: Django's lazy ``request.user`` is left alone (evaluating it
    would query the session inside a log call); DRF sets the authenticated user on the request itself."""
    request = current_request_var.get()
    if request is not None:
        user = request.__dict__.get("user")
        if user is not None and getattr(user, "_wrapped", None) is not None:
            user = user._wrapped
        if getattr(user, "is_authenticated", False) is True:
            return str(user.pk)
    return user_id_var.get()


class LogContextFilter(logging.Filter):
    """Adds ``request_id`` ("-" outside a request), ``user_id``, ``task_id``, ``task_name`` and
    ``campaign_id`` (None when unknown) to each record."""

    def filter(self, record):
        record.request_id = request_id_var.get()
        record.user_id = current_user_id()
        record.task_id = task_id_var.get()
        record.task_name = task_name_var.get()
        record.campaign_id = campaign_id_var.get()
        return True


class JsonLogFormatter(JsonFormatter):
    """One JSON object a line: time (UTC, ``Z``), level, logger, message, the context fields, and the
    traceback as ``exc_info`` when there is one."""

    def add_fields(self, log_record, record, message_dict):
        super().add_fields(log_record, record, message_dict)
        # Objects passed as ``extra`` (Django passes the request itself) would be written as their
        # repr, URL secrets included: only plain values go into the line.
        for key, value in list(log_record.items()):
            if not isinstance(value, str | int | float | bool | list | dict | type(None)):
                del log_record[key]
        created = datetime.fromtimestamp(record.created, UTC)
        log_record["time"] = created.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        log_record["level"] = record.levelname
        log_record["logger"] = record.name


JSON_LOG_FIELDS = "%(message)s %(request_id)s %(user_id)s %(task_id)s %(task_name)s %(campaign_id)s"


def task_publish_headers(headers: dict) -> None:
    """Celery's ``before_task_publish``: the context of the code queuing the task rides in its headers
    (a header already given by the caller is kept)."""
    values = {
        "request_id": request_id_var.get(),
        "user_id": current_user_id(),
        "campaign_id": campaign_id_var.get(),
    }
    for name, value in values.items():
        if value not in (None, "-") and not headers.get(name):
            headers[name] = value


@lru_cache(maxsize=512)
def _campaign_parameter(function) -> inspect.Signature | None:
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return None
    return signature if "campaign_id" in signature.parameters else None


def _campaign_argument(task, args, kwargs) -> str | None:
    """The task's ``campaign_id`` argument, given by position or by name."""
    if kwargs and kwargs.get("campaign_id"):
        return str(kwargs["campaign_id"])
    signature = _campaign_parameter(task.run)
    if signature is None:
        return None
    try:
        bound = signature.bind_partial(*(args or ()), **(kwargs or {}))
    except TypeError:
        return None
    value = bound.arguments.get("campaign_id")
    return str(value) if value else None


def task_context_bind(task, task_id: str, args, kwargs) -> list:
    """Celery's ``task_prerun``: bind the task's context; returns the tokens ``task_context_reset`` needs."""
    headers = task.request
    campaign_id = _campaign_argument(task, args, kwargs) or getattr(headers, "campaign_id", None)
    return [
        request_id_var.set(getattr(headers, "request_id", None) or "-"),
        user_id_var.set(getattr(headers, "user_id", None)),
        task_id_var.set(task_id),
        task_name_var.set(task.name),
        campaign_id_var.set(campaign_id),
        current_request_var.set(None),
    ]


def task_context_reset(tokens: list) -> None:
    """Celery's ``task_postrun``: the worker's context as it was before the task."""
    for token in reversed(tokens):
        token.var.reset(token)
