"""Shapes of sequences on the wire: a sequence with its steps and their variants written in one body."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.campaigns.models import CampaignTemplate
from apps.leads.models import LeadList
from apps.mail.models import Mailbox
from common.serializers import ModelSerializer, UserSummarySerializer

from .models import Enrollment, Sequence, SequenceStep, SequenceVariant


class OwnedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """Accepts only the requesting user's objects (another's: "does not exist")."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None or not request.user.is_authenticated:
            return super().get_queryset().none()
        return super().get_queryset().filter(user=request.user)


class SequenceVariantSerializer(ModelSerializer):
    template = OwnedPrimaryKeyField(queryset=CampaignTemplate.objects.all())
    campaign = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The campaign this variant sends through, once started"
    )

    class Meta:
        model = SequenceVariant
        fields = ["id", "name", "template", "percent", "campaign"]
        read_only_fields = ["id", "campaign"]


class SequenceStepSerializer(ModelSerializer):
    variants = SequenceVariantSerializer(many=True)
    winner = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = SequenceStep
        fields = ["id", "order", "delay_days", "thread_reply", "winner_after", "winner", "variants"]
        read_only_fields = ["id", "order", "winner"]

    def validate_variants(self, variants):
        if not variants:
            raise serializers.ValidationError(_("A step needs at least one template."))
        if len(variants) > settings.SEQUENCE_MAX_VARIANTS:
            raise serializers.ValidationError(
                _("At most %(limit)s variants per step.") % {"limit": settings.SEQUENCE_MAX_VARIANTS}
            )
        if sum(v["percent"] for v in variants) != 100:
            raise serializers.ValidationError(_("The variants' percentages must add up to 100."))
        names = [v.get("name", "A") for v in variants]
        if len(set(names)) != len(names):
            raise serializers.ValidationError(_("Each variant of a step needs its own name."))
        return variants


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$",
        "example": "09:00",
        "description": "A time of day in the sequence's time zone (HH:MM or HH:MM:SS), not an instant",
    }
)
class LocalTimeField(serializers.TimeField):
    """A wall-clock time without an offset: OpenAPI's "time" format demands one, so it is a pattern."""


class SequenceSerializer(ModelSerializer):
    user = UserSummarySerializer(read_only=True)
    window_start = LocalTimeField(required=False)
    window_end = LocalTimeField(required=False)
    leadlists = OwnedPrimaryKeyField(queryset=LeadList.objects.all(), many=True, required=False)
    mailboxes = OwnedPrimaryKeyField(queryset=Mailbox.objects.all(), many=True, required=False)
    steps = SequenceStepSerializer(many=True, required=False, help_text="In order; fixed once the sequence starts")

    class Meta:
        model = Sequence
        fields = [
            "id",
            "name",
            "user",
            "status",
            "paused_reason",
            "leadlists",
            "mailboxes",
            "timezone",
            "window_start",
            "window_end",
            "window_days",
            "skip_holidays",
            "is_advertising",
            "sender_name",
            "sender_contact",
            "steps",
            "started_at",
            "completed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "user",
            "status",
            "paused_reason",
            "started_at",
            "completed_at",
            "created_at",
            "updated_at",
        ]

    def validate_timezone(self, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise serializers.ValidationError(_("Unknown time zone.")) from exc
        return value

    def validate_window_days(self, value: list[int]) -> list[int]:
        if not value or any(day > 6 for day in value):
            raise serializers.ValidationError(_("Give at least one day, Monday = 0 … Sunday = 6."))
        return sorted(set(value))

    def validate_steps(self, steps):
        if len(steps) > settings.SEQUENCE_MAX_STEPS:
            raise serializers.ValidationError(
                _("At most %(limit)s steps per sequence.") % {"limit": settings.SEQUENCE_MAX_STEPS}
            )
        return steps

    def validate(self, attrs):
        start = attrs.get("window_start", getattr(self.instance, "window_start", None))
        end = attrs.get("window_end", getattr(self.instance, "window_end", None))
        if start is not None and end is not None and start >= end:
            raise serializers.ValidationError({"window_end": [_("The window must end after it starts.")]})
        if self.instance is None:
            user = self.context["request"].user
            if Sequence.objects.filter(user=user).count() >= settings.SEQUENCES_PER_USER:
                raise serializers.ValidationError(
                    _("You have reached the limit of %(limit)s sequences.") % {"limit": settings.SEQUENCES_PER_USER}
                )
        elif "steps" in attrs and self.instance.status not in Sequence.EDITABLE:
            from common.exceptions import Conflict

            raise Conflict(_("The steps of a sequence are fixed once it has started."))
        return attrs

    @transaction.atomic
    def create(self, validated_data):
        steps = validated_data.pop("steps", [])
        sequence = super().create(validated_data)
        _write_steps(sequence, steps)
        return sequence

    @transaction.atomic
    def update(self, instance, validated_data):
        steps = validated_data.pop("steps", None)
        sequence = super().update(instance, validated_data)
        if steps is not None:
            sequence.steps.all().delete()
            _write_steps(sequence, steps)
        return sequence


def _write_steps(sequence: Sequence, steps: list[dict]) -> None:
    for order, data in enumerate(steps):
        variants = data.pop("variants")
        step = SequenceStep.objects.create(sequence=sequence, order=order, **data)
        for variant in variants:
            SequenceVariant.objects.create(step=step, **variant)


class EnrollmentSerializer(ModelSerializer):
    lead_name = serializers.CharField(source="lead.name", read_only=True)

    class Meta:
        model = Enrollment
        fields = [
            "id",
            "lead",
            "lead_name",
            "email",
            "state",
            "stop_reason",
            "current_step",
            "mailbox",
            "next_send_at",
            "stopped_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class LeadsChangedSerializer(serializers.Serializer):
    changed = serializers.IntegerField(help_text="Leads enrolled (add-leads) or stopped (remove-leads)")


class VariantStatsSerializer(serializers.Serializer):
    variant_id = serializers.UUIDField()
    variant = serializers.CharField()
    scheduled = serializers.IntegerField()
    sent = serializers.IntegerField()
    opened = serializers.IntegerField(help_text="Human opens only")
    clicked = serializers.IntegerField(help_text="Human clicks only")
    replied = serializers.IntegerField()
    bounced = serializers.IntegerField()
    open_rate = serializers.FloatField(allow_null=True)
    click_rate = serializers.FloatField(allow_null=True)
    reply_rate = serializers.FloatField(allow_null=True)
    open_p_value = serializers.FloatField(allow_null=True, help_text="Two-proportion z-test against the first variant")
    reply_p_value = serializers.FloatField(allow_null=True, help_text="Two-proportion z-test against the first variant")
    significant = serializers.BooleanField(help_text="A p-value under 0.05")
    winner = serializers.BooleanField()


class StepStatsSerializer(serializers.Serializer):
    step_id = serializers.UUIDField()
    order = serializers.IntegerField()
    scheduled = serializers.IntegerField()
    sent = serializers.IntegerField()
    opened = serializers.IntegerField()
    clicked = serializers.IntegerField()
    replied = serializers.IntegerField()
    bounced = serializers.IntegerField()
    open_rate = serializers.FloatField(allow_null=True)
    reply_rate = serializers.FloatField(allow_null=True)
    variants = VariantStatsSerializer(many=True)


class SequenceStatsSerializer(serializers.Serializer):
    enrollments = serializers.IntegerField()
    by_state = serializers.DictField(child=serializers.IntegerField())
    by_stop_reason = serializers.DictField(child=serializers.IntegerField())
    steps = StepStatsSerializer(many=True)
