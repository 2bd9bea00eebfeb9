"""Shapes on the wire of tracking: events, campaign totals, stream tokens and webhook answers."""

from rest_framework import serializers

from common.serializers import ModelSerializer

from .models import TrackingEvent


class TrackingEventSerializer(ModelSerializer):
    lead = serializers.UUIDField(source="result.lead_id", read_only=True, allow_null=True, default=None)

    class Meta:
        model = TrackingEvent
        fields = [
            "id",
            "campaign",
            "result",
            "lead",
            "kind",
            "occurred_at",
            "email",
            "source",
            "url",
            "user_agent",
            "ip",
            "is_machine",
            "machine_reason",
            "detail",
            "created_at",
        ]
        read_only_fields = fields


class TrackingTotalsSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Results (recipients) of the campaign")
    sent = serializers.IntegerField()
    delivered = serializers.IntegerField()
    opened = serializers.IntegerField(help_text="Results opened by a person (machine opens excluded)")
    clicked = serializers.IntegerField(help_text="Results clicked by a person (scanner clicks excluded)")
    replied = serializers.IntegerField()
    bounced = serializers.IntegerField()
    unsubscribed = serializers.IntegerField()
    complained = serializers.IntegerField()
    failed = serializers.IntegerField()
    opens = serializers.IntegerField(help_text="Human open events")
    clicks = serializers.IntegerField(help_text="Human click events")
    machine_opens = serializers.IntegerField()
    machine_clicks = serializers.IntegerField()
    open_rate = serializers.FloatField()
    click_rate = serializers.FloatField()
    reply_rate = serializers.FloatField()
    bounce_rate = serializers.FloatField()
    unsubscribe_rate = serializers.FloatField()


class StreamTokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_in = serializers.IntegerField(help_text="Seconds the token can open a stream")
    url = serializers.CharField()


class WebhookResultSerializer(serializers.Serializer):
    received = serializers.IntegerField(help_text="Events accepted for recording")
    ignored = serializers.IntegerField(help_text="Event types we do not track (processed, …)")


class InboundResultSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=["matched", "unmatched"])
    result = serializers.UUIDField(allow_null=True)
