"""API errors in one shape, in the request's language: ``{"detail", "code", "fields"}``.

``detail`` is a sentence for a person, ``code`` a stable machine-readable word, ``fields`` the messages
of each invalid field (``{"name": ["..."]}``; nested objects and lists nest the same way;
``non_field_errors`` for the whole object), empty when the error is not about fields. The language
is the one LocaleMiddleware chose from Accept-Language (Korean or English; LANGUAGE_CODE without
one): DRF's and Django's messages come from their catalogues, ours from locale/ko.
"""

import logging

from django.db import DataError, IntegrityError
from django.db.models import ProtectedError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)


class Conflict(APIException):
    """A state change that is not allowed now (start a completed campaign): 409."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This change is not allowed in the object's current state.")
    default_code = "conflict"


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The upload is too large.")
    default_code = "payload_too_large"


def error_body(detail, code: str, fields: dict | None = None) -> dict:
    """The body of every error the API answers."""
    return {"detail": str(detail), "code": code, "fields": fields or {}}


def _messages(errors) -> list:
    """The messages of a list of errors (flattened one level: a field's list of messages)."""
    return [message for error in errors for message in (error if isinstance(error, list) else [error])]


def _validation_body(data) -> dict:
    if isinstance(data, dict):
        if set(data) <= {"detail", "non_field_errors"}:
            # Not about a field: the messages are the detail (a service's ValidationError("...")).
            messages = _messages(value if isinstance(value, list) else [value] for value in data.values())
            fields = {"non_field_errors": messages} if "non_field_errors" in data else {}
            return error_body(" ".join(map(str, messages)), _code(messages, "invalid"), fields)
        return error_body(ValidationError.default_detail, "invalid", data)
    messages = _messages(data if isinstance(data, list) else [data])
    return error_body(" ".join(map(str, messages)), _code(messages, "invalid"), {})


def _code(messages: list, default: str) -> str:
    codes = {getattr(message, "code", None) for message in messages}
    return codes.pop() if len(codes) == 1 and None not in codes else default


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        # Django's "No Product matches the given query." is English whatever the language.
        exc = NotFound()
    response = drf_exception_handler(exc, context)
    if response is not None:
        if isinstance(exc, ValidationError):
            response.data = _validation_body(response.data)
        elif isinstance(response.data, dict) and "detail" in response.data:
            detail = response.data["detail"]
            code = response.data.get("code") or getattr(detail, "code", None) or getattr(exc, "default_code", "error")
            # Extra keys (simplejwt's "messages" about the token) stay.
            extra = {key: value for key, value in response.data.items() if key not in ("detail", "code", "fields")}
            response.data = {**error_body(detail, str(code)), **extra}
        else:  # an APIException raised with a list or dict detail
            response.data = _validation_body(response.data)
        return response
    # Database refusals that validation did not catch (a race on a unique key, a protected
    # reference) are the client's conflict, not a server error.
    if isinstance(exc, ProtectedError):
        return Response(
            error_body(_("This object is still referenced by other objects and cannot be deleted."), "protected"),
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DataError):
        # A value PostgreSQL cannot store (NUL characters, out-of-range numbers) that slipped past
        # validation: the request is at fault. PostgreSQL's own words (English) go to the log.
        logger.info("data error answered as 400: %s", exc)
        return Response(
            error_body(_("A value cannot be stored (out of range, or it contains a NUL character)."), "invalid_data"),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, IntegrityError):
        logger.info("integrity error answered as 409: %s", exc)
        return Response(
            error_body(_("This change conflicts with data already stored."), "conflict"),
            status=status.HTTP_409_CONFLICT,
        )
    return None
