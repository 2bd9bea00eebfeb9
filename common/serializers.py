"""Serializers shared by the apps."""

from django.contrib.auth import get_user_model
from rest_framework import serializers


class UserSummarySerializer(serializers.ModelSerializer):
    """The nested ``{"id", "email"}`` shape SPEC.md uses for users inside other objects."""

    class Meta:
        model = get_user_model()
        fields = ["id", "email"]
        read_only_fields = fields


class LeadIdsSerializer(serializers.Serializer):
    """Body of actions that take a list of ids: ``{"lead_ids": [...]}``."""

    lead_ids = serializers.ListField(child=serializers.UUIDField(), allow_empty=False, max_length=10000)
