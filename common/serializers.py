"""Serializers shared by the apps, and the one rule for datetimes on the wire."""

import datetime
from collections.abc import Mapping

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.fields import Field, SkipField
from rest_framework.relations import PKOnlyObject
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
    """The base of every model serializer: model datetimes use the API's ``DateTimeField``, and rows
    are written by a faster ``to_representation`` with DRF's output (``fast_representation``)."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: DateTimeField,
    }
    # False: DRF's own Serializer.to_representation (the tests compare both outputs).
    fast_representation = True

    def to_representation(self, instance):
        """DRF's ``Serializer.to_representation``, with the field plan worked out once per serializer
        rather than once per row, and a field that reads one plain attribute read with ``getattr``.

        A page of 100 rows with 20 fields made 2,000 trips through DRF's generic ``get_attribute``
        (issue 18). Any case that plain read does not cover (a dotted or ``*`` source, a related field,
        a field with its own ``get_attribute``, a callable, a missing attribute, a dict) goes through
        DRF's path, so the output is the same.
        """
        if not self.fast_representation or isinstance(instance, Mapping):
            return super().to_representation(instance)
        plan = self.__dict__.get("_representation_plan")
        if plan is None:
            plan = self._representation_plan = [
                (field.field_name, _plain_attribute(field), field) for field in self._readable_fields
            ]
        ret = {}
        for name, attr, field in plan:
            if attr is not None:
                try:
                    attribute = getattr(instance, attr)
                except (AttributeError, KeyError, ObjectDoesNotExist):
                    attr = None  # DRF's path decides: default, None, skipped or raised
                else:
                    if callable(attribute):
                        attr = None
            if attr is None:
                try:
                    attribute = field.get_attribute(instance)
                except SkipField:
                    continue
                if isinstance(attribute, PKOnlyObject):
                    ret[name] = None if attribute.pk is None else field.to_representation(attribute)
                    continue
            ret[name] = None if attribute is None else field.to_representation(attribute)
        return ret


def _plain_attribute(field: Field) -> str | None:
    """The attribute a field reads, when DRF would read it with a plain ``getattr``; None otherwise."""
    if type(field).get_attribute is not Field.get_attribute or len(field.source_attrs) != 1:
        return None
    return field.source_attrs[0]


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


# The most ids one body may name: a lead list holds up to this many, and add-leads takes a full list.
LEAD_IDS_MAX = 10000


class LeadIdsSerializer(serializers.Serializer):
    """Body of actions that take a list of ids: ``{"lead_ids": [...]}``."""

    lead_ids = serializers.ListField(child=serializers.UUIDField(), allow_empty=False, max_length=LEAD_IDS_MAX)


def lead_ids_parse(data) -> list:
    """The ids of an add-leads / remove-leads body (lead lists and sequences alike): a 400 naming
    ``lead_ids`` when it is missing, empty, longer than LEAD_IDS_MAX or holds a non-UUID."""
    body = LeadIdsSerializer(data=data)
    body.is_valid(raise_exception=True)
    return body.validated_data["lead_ids"]
