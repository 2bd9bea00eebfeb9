"""Shapes on the wire of lead intelligence."""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import serializers

from common.serializers import DateTimeField, ModelSerializer

from .hygiene import ISSUE_CODES
from .insights import STATUSES
from .models import DuplicateSuggestion, EnrichmentRun, IdealCustomerProfile, LeadHygiene


class EnrichmentRunSerializer(ModelSerializer):
    class Meta:
        model = EnrichmentRun
        fields = [
            "id",
            "lead",
            "trigger",
            "status",
            "providers",
            "fields_changed",
            "errors",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class BulkEnrichRequestSerializer(serializers.Serializer):
    lead_ids = serializers.ListField(child=serializers.UUIDField(), required=False, help_text="Your leads to enrich.")
    lead_list_id = serializers.UUIDField(required=False, help_text="Enrich every lead of this list of yours.")

    def validate(self, attrs):
        if bool(attrs.get("lead_ids")) == bool(attrs.get("lead_list_id")):
            raise serializers.ValidationError(_("Give either lead_ids or lead_list_id."))
        return attrs


class BulkEnrichResponseSerializer(serializers.Serializer):
    queued = serializers.IntegerField(help_text="Runs queued (one per lead of yours)")
    run_ids = serializers.ListField(child=serializers.UUIDField())


class ScoreTermSerializer(serializers.Serializer):
    term = serializers.CharField()
    group = serializers.ChoiceField(choices=["fit", "engagement", "penalty"])
    weight = serializers.IntegerField(help_text="Points per criterion met or per event (before decay)")
    points = serializers.IntegerField()
    count = serializers.IntegerField(required=False, help_text="Events behind the term")
    last_at = DateTimeField(required=False, allow_null=True, help_text="The latest of those events")


class LeadScoreSerializer(serializers.Serializer):
    lead_id = serializers.UUIDField()
    score = serializers.IntegerField(allow_null=True, help_text="0–100; null: not scored yet")
    fit = serializers.IntegerField(allow_null=True)
    engagement = serializers.IntegerField(allow_null=True, help_text="Engagement after penalties")
    half_life_days = serializers.FloatField(allow_null=True)
    scored_at = DateTimeField(allow_null=True)
    terms = ScoreTermSerializer(many=True, help_text="Each term; their points add up to score")


class InsightsStateSerializer(serializers.Serializer):
    """Who wrote the insights and whether a better answer is coming (lead and client insights alike)."""

    backend = serializers.CharField(
        help_text="The backend that wrote these texts: rule_based, or the configured one (e.g. openai_compatible)"
    )
    insight_status = serializers.ChoiceField(
        choices=STATUSES,
        help_text="ready: the configured backend's answer; pending: the rule-based answer while a worker asks "
        "the model (ask again later); fallback: the model failed, the rule-based answer stands (fallback_reason)",
    )
    generated_at = DateTimeField()
    fallback_reason = serializers.CharField(allow_null=True, help_text="Why the model's answer is missing")


class LeadInsightsSerializer(InsightsStateSerializer):
    lead_id = serializers.UUIDField()
    company = serializers.CharField(help_text="What the company does")
    status = serializers.CharField(help_text="Its business status (NTS)")
    engagement = serializers.CharField(help_text="Engagement so far (human opens, clicks and replies)")
    next_step = serializers.CharField(help_text="A suggested next step")


class IdealCustomerProfileSerializer(ModelSerializer):
    class Meta:
        model = IdealCustomerProfile
        fields = [
            "industry_codes",
            "regions",
            "revenue_min",
            "revenue_max",
            "employee_min",
            "employee_max",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]

    def _limited(self, values, name):
        limit = settings.IDEAL_CUSTOMER_PROFILE_MAX_VALUES
        if len(values) > limit:
            raise serializers.ValidationError(_("At most %(limit)d values.") % {"limit": limit})
        return list(dict.fromkeys(value.strip() for value in values if value.strip()))

    def validate_industry_codes(self, value):
        return list(dict.fromkeys(code.upper() for code in self._limited(value, "industry_codes")))

    def validate_regions(self, value):
        return self._limited(value, "regions")

    def validate(self, attrs):
        for low, high in (("revenue_min", "revenue_max"), ("employee_min", "employee_max")):
            low_value = attrs.get(low, getattr(self.instance, low, None))
            high_value = attrs.get(high, getattr(self.instance, high, None))
            if low_value is not None and high_value is not None and low_value > high_value:
                raise serializers.ValidationError({low: [_("The minimum is above the maximum.")]})
        for name in ("revenue_min", "revenue_max", "employee_min", "employee_max"):
            if attrs.get(name) is not None and attrs[name] < 0:
                raise serializers.ValidationError({name: [_("Must not be negative.")]})
        return attrs


class HygieneIssueSerializer(serializers.Serializer):
    field = serializers.CharField()
    code = serializers.ChoiceField(choices=ISSUE_CODES)
    message = serializers.CharField()


class LeadHygieneSerializer(ModelSerializer):
    issues = HygieneIssueSerializer(many=True)

    class Meta:
        model = LeadHygiene
        fields = ["lead", "issues", "checked_at"]
        read_only_fields = fields


class DuplicateSuggestionSerializer(ModelSerializer):
    class Meta:
        model = DuplicateSuggestion
        fields = ["id", "lead_a", "lead_b", "rule", "reason", "status", "created_at"]
        read_only_fields = fields


class DuplicateMergeSerializer(serializers.Serializer):
    keep = serializers.UUIDField(help_text="The lead that stays (lead_a or lead_b); the other is merged into it")


class MergedLeadSerializer(serializers.Serializer):
    lead_id = serializers.UUIDField(help_text="The lead that stayed")
