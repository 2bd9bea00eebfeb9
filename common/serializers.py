"""Serializers shared by the apps, and the one rule for datetimes on the wire."""

import datetime

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.settings import api_settings

from common.korean_ids import format_business_number, normalize_business_number

DATETIME_HELP = (
    "ISO 8601. Written in UTC with a `Z`; read with its offset (`Z`, `+09:00`), and a value without one "
    "is read as Asia/Seoul time."
)


def utc_iso(value: datetime.datetime | None) -> str | None:
    """A datetime as the API writes it: UTC, microseconds, "Z" (REST_FRAMEWORK["DATETIME_FORMAT"])."""
    if value is None:
        return None
    if timezone.is_naive(value):  # a naive value in our code is Seoul wall-clock time, as on input
        value = timezone.make_aware(value)
    return value.astimezone(datetime.UTC).strftime(api_settings.DATETIME_FORMAT)


class DateTimeField(serializers.DateTimeField):
    """The API's datetime: out in UTC with ``Z``; in with its offset honoured, naive read as Asia/Seoul.

    DRF alone would write the value in the current time zone (Asia/Seoul) under DATETIME_FORMAT's
    literal "Z", nine hours off, so every read-and-write-back moved the instant. Input keeps DRF's
    parsing in the current time zone, which is what makes a naive value Seoul time.
    """

    def __init__(self, *args, **kwargs):
        help_text = kwargs.get("help_text")  # a model's help_text is lazy (gettext_lazy)
        kwargs["help_text"] = format_lazy("{} {}", help_text, DATETIME_HELP) if help_text else DATETIME_HELP
        super().__init__(*args, **kwargs)

    def to_representation(self, value):
        if not value:
            return None
        if isinstance(value, str):  # already written (e.g. a value read back from JSON)
            return value
        return utc_iso(value)


class ModelSerializer(serializers.ModelSerializer):
    """The base of every model serializer: model datetimes use the API's ``DateTimeField``."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: DateTimeField,
    }


class UserSummarySerializer(ModelSerializer):
    """The nested ``{"id", "email"}`` shape SPEC.md uses for users inside other objects."""

    class Meta:
        model = get_user_model()
        fields = ["id", "email"]
        read_only_fields = fields


class BusinessNumberField(serializers.CharField):
    """사업자등록번호, one rule for leads and clients: accepts ``123-45-67890`` or ``1234567890`` (or
    blank), stores the 10 digits, shows ``123-45-67890``. A failed check digit is not refused; the
    object's ``business_number_valid`` flag reports it (DESIGN.md)."""

    default_error_messages = {"format": _("A business number has 10 digits: 123-45-67890 or 1234567890.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)  # wider than the digits, so the dashed form reaches the check
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> str:
        value = super().to_internal_value(data)
        if not value:
            return ""
        digits = normalize_business_number(value)
        if len(digits) != 10 or not digits.isdigit():
            self.fail("format")
        return digits

    def to_representation(self, value) -> str:
        return format_business_number(value)


class LeadIdsSerializer(serializers.Serializer):
    """Body of actions that take a list of ids: ``{"lead_ids": [...]}``."""

    lead_ids = serializers.ListField(child=serializers.UUIDField(), allow_empty=False, max_length=10000)
