"""Serializers shared by the apps."""

from django.contrib.auth import get_user_model
from rest_framework import serializers

from common.korean_ids import format_business_number, normalize_business_number


class UserSummarySerializer(serializers.ModelSerializer):
    """The nested ``{"id", "email"}`` shape SPEC.md uses for users inside other objects."""

    class Meta:
        model = get_user_model()
        fields = ["id", "email"]
        read_only_fields = fields


class BusinessNumberField(serializers.CharField):
    """사업자등록번호, one rule for leads and clients: accepts ``123-45-67890`` or ``1234567890`` (or
    blank), stores the 10 digits, shows ``123-45-67890``. A failed check digit is not refused; the
    object's ``business_number_valid`` flag reports it (DESIGN.md)."""

    default_error_messages = {"format": "A business number (사업자등록번호) has 10 digits: 123-45-67890 or 1234567890."}

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
