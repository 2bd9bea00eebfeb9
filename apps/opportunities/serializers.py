"""Shapes of opportunities, their status history and the pipeline board on the wire."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.leads.models import Lead
from common.serializers import ModelSerializer, UserSummarySerializer

from .models import Opportunity, OpportunityStatusChange
from .services import opportunity_create, opportunity_update


class OwnLeadField(serializers.PrimaryKeyRelatedField):
    """A lead id that must belong to the requesting user; any other id is "not found" (no leak)."""

    default_error_messages = {
        "does_not_exist": _('You have no lead with id "{pk_value}".'),
        "incorrect_type": _("A lead id is a UUID, not {data_type}."),
    }

    def get_queryset(self):
        request = self.context.get("request")
        if request is None or not request.user.is_authenticated:
            return Lead.objects.none()
        return Lead.objects.filter(user=request.user)


class OpportunityStatusChangeSerializer(ModelSerializer):
    from_status = serializers.ChoiceField(
        choices=Opportunity.Status.choices, allow_blank=True, read_only=True, help_text='"" for the creation.'
    )
    user = UserSummarySerializer(read_only=True)

    class Meta:
        model = OpportunityStatusChange
        fields = ["id", "from_status", "to_status", "note", "changed_at", "user"]
        read_only_fields = fields


class OpportunitySerializer(ModelSerializer):
    """An opportunity. ``status`` may be set on create and update; a change made by an update is
    recorded in the history exactly like POST change-status."""

    lead = OwnLeadField(allow_null=True, required=False)
    lead_name = serializers.CharField(source="lead.name", read_only=True, default=None, allow_null=True)
    user = UserSummarySerializer(read_only=True)

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "name",
            "source",
            "status",
            "value",
            "expected_close_date",
            "notes",
            "lead",
            "lead_name",
            "user",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "user", "created_at", "updated_at"]
        extra_kwargs = {"source": {"help_text": 'Where it came from, e.g. "website", "campaign", "referral".'}}

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError(_("An opportunity needs a name."))
        return value

    def validate_source(self, value: str) -> str:
        return value.strip().lower()

    def create(self, validated_data):
        return opportunity_create(**validated_data)

    def update(self, instance, validated_data):
        return opportunity_update(opportunity=instance, user=self.context["request"].user, **validated_data)


class OpportunityDetailSerializer(OpportunitySerializer):
    """An opportunity with its status history, oldest move first."""

    status_changes = OpportunityStatusChangeSerializer(many=True, read_only=True)

    class Meta(OpportunitySerializer.Meta):
        fields = [*OpportunitySerializer.Meta.fields, "status_changes"]


class OpportunityChangeStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Opportunity.Status.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class PipelineColumnSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Opportunity.Status.choices)
    label = serializers.CharField()
    count = serializers.IntegerField()
    total_value = serializers.DecimalField(max_digits=20, decimal_places=2)


class PipelineSerializer(serializers.Serializer):
    """The board: one column per status in board order, zeros included."""

    statuses = PipelineColumnSerializer(many=True)
    total_count = serializers.IntegerField()
    total_value = serializers.DecimalField(max_digits=20, decimal_places=2)
