"""API errors in DRF's shapes: {"field": ["message"]} for validation, {"detail": "..."} otherwise."""

import logging

from django.db import DataError, IntegrityError
from django.db.models import ProtectedError
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)


class Conflict(APIException):
    """A state change that is not allowed now (start a completed campaign): 409."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "This change is not allowed in the object's current state."
    default_code = "conflict"


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The upload is too large."
    default_code = "payload_too_large"


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is not None:
        return response
    # Database refusals that validation did not catch (a race on a unique key, a protected
    # reference) are the client's conflict, not a server error.
    if isinstance(exc, ProtectedError):
        return Response(
            {"detail": "This object is still referenced by other objects and cannot be deleted."},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DataError):
        # A value PostgreSQL cannot store (NUL characters, out-of-range numbers) that slipped past
        # validation: the request is at fault.
        return Response({"detail": f"Invalid data: {str(exc).splitlines()[0]}"}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        logger.info("integrity error answered as 409: %s", exc)
        return Response(
            {"detail": "This change conflicts with data already stored."},
            status=status.HTTP_409_CONFLICT,
        )
    return None
