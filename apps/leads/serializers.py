"""Shapes of leads and lead lists on the wire."""

import zoneinfo

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.salesone_leads.models import Industry
from common.korean_ids import normalize_corporation_number
from common.serializers import LEAD_IDS_MAX, BusinessNumberField, ModelSerializer, UserSummarySerializer

from .models import Lead, LeadList
from .services import lead_create, lead_list_create, lead_update


class LeadSerializer(ModelSerializer):
    """A user's lead. ``industry`` is read and written as its KSIC code (e.g. ``S96113``).

    ``business_number`` accepts ``123-45-67890`` or ``1234567890``, is stored as 10 digits and shown
    as ``123-45-67890`` (common.serializers.BusinessNumberField, as for clients);
    ``corporation_number`` accepts ``110111-1713381`` or 13 digits. A failed check digit is only
    reported in ``business_number_valid`` / ``corporation_number_valid`` (DESIGN.md).
    """

    # Wider than the stored digits so the dashed forms reach the validators below.
    corporation_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    business_number = BusinessNumberField()
    industry = serializers.SlugRelatedField(
        slug_field="code", queryset=Industry.objects.all(), allow_null=True, required=False
    )
    industry_name = serializers.CharField(source="industry.name", read_only=True, default=None, allow_null=True)
    business_number_valid = serializers.BooleanField(read_only=True)
    corporation_number_valid = serializers.BooleanField(read_only=True)
    timezone = serializers.CharField(
        max_length=64, required=False, allow_blank=True, allow_null=True, help_text="IANA time zone, e.g. Asia/Seoul."
    )
    homepage = serializers.ListField(
        child=serializers.CharField(max_length=255), required=False, max_length=20, help_text="Domains or URLs."
    )
    user = UserSummarySerializer(read_only=True)

    class Meta:
        model = Lead
        fields = [
            "id",
            "corporation_number",
            "corporation_number_valid",
            "business_number",
            "business_number_valid",
            "name",
            "owner",
            "email",
            "phone",
            "homepage",
            "employee",
            "revenue",
            "address",
            "si_nm",
            "sgg_nm",
            "established_date",
            "timezone",
            "industry",
            "industry_name",
            "description",
            "business_status",
            "business_closed_on",
            "business_status_checked_at",
            "score",
            "enriched_at",
            "user",
            "created_at",
            "updated_at",
        ]
        # Lead intelligence's fields (apps/intelligence) are its to write: the NTS status, the score.
        read_only_fields = [
            "id",
            "user",
            "created_at",
            "updated_at",
            "business_status",
            "business_closed_on",
            "business_status_checked_at",
            "score",
            "enriched_at",
        ]
        extra_kwargs = {
            "employee": {"min_value": 0},
            "revenue": {"min_value": 0, "help_text": "Annual revenue in KRW."},
        }

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError(_("A lead needs a company name."))
        return value

    def validate_corporation_number(self, value: str) -> str:
        value = value.strip()
        if not value:
            return ""
        digits = normalize_corporation_number(value)
        if len(digits) != 13 or not digits.isdigit():
            raise serializers.ValidationError(_("A corporation number has 13 digits: 110111-1713381 or 1101111713381."))
        return digits

    def validate_timezone(self, value: str | None) -> str:
        """An IANA zone name (Asia/Seoul, Europe/London); empty or null: unknown (the sequence's zone)."""
        value = (value or "").strip()
        if not value:
            return ""
        if value not in zoneinfo.available_timezones():
            raise serializers.ValidationError(
                _("'%(zone)s' is not an IANA time zone (for example Asia/Seoul or Europe/London).") % {"zone": value}
            )
        return value

    def validate_email(self, value: str) -> str:
        return value.strip().lower()

    def validate_homepage(self, value: list[str]) -> list[str]:
        cleaned = [site.strip() for site in value if site.strip()]
        return list(dict.fromkeys(cleaned))

    def create(self, validated_data):
        return lead_create(**validated_data)

    def update(self, instance, validated_data):
        return lead_update(lead=instance, **validated_data)


class LeadIdsField(serializers.ListField):
    """A list's member ids in list order; written out as plain strings (a list holds up to 10,000)."""

    def __init__(self, **kwargs):
        super().__init__(child=serializers.UUIDField(), max_length=LEAD_IDS_MAX, **kwargs)

    def get_attribute(self, instance):
        # The list page reads them as text already (selectors.lead_list_page_rows).
        as_text = getattr(instance, "lead_ids_text", None)
        return as_text if as_text is not None else super().get_attribute(instance)

    def to_representation(self, data):
        return [lead_id if isinstance(lead_id, str) else str(lead_id) for lead_id in data]


class LeadListSerializer(ModelSerializer):
    """A lead list with its members' ids: ``lead_ids`` in list order, ``lead_count`` their number.

    On create, ``lead_ids`` may fill the list at once (same rules as add-leads); afterwards the
    members change only through add-leads / remove-leads (sending the stored ``lead_ids`` back
    unchanged in a PUT/PATCH is fine). The detail adds one page of the leads themselves.
    """

    lead_count = serializers.SerializerMethodField()
    lead_ids = LeadIdsField(
        required=False,
        help_text="Members' ids in list order (all of them). On create: the initial members (your own "
        "leads; others are ignored).",
    )

    class Meta:
        model = LeadList
        fields = ["id", "name", "description", "lead_count", "lead_ids", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    @extend_schema_field(serializers.IntegerField())
    def get_lead_count(self, lead_list: LeadList) -> int:
        if "lead_ids" in lead_list.get_deferred_fields():  # the list page (selectors.lead_list_page_rows)
            return lead_list.lead_count
        return len(lead_list.lead_ids)

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError(_("A lead list needs a name."))
        return value

    def validate(self, attrs):
        if self.instance is not None and attrs.get("lead_ids", self.instance.lead_ids) != self.instance.lead_ids:
            raise serializers.ValidationError({"lead_ids": [_("Change the members with add-leads / remove-leads.")]})
        return attrs

    def create(self, validated_data):
        return lead_list_create(**validated_data).lead_list


class LeadPageSerializer(serializers.Serializer):
    """One page of a list's leads, in list order: the standard pagination shape."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    page_size = serializers.IntegerField(help_text="The page size used: the requested page_size, capped at 100.")
    results = LeadSerializer(many=True)


class LeadListDetailSerializer(LeadListSerializer):
    """A lead list with one page of its leads (``?page=`` and ``?page_size=`` on the detail URL)."""

    leads = serializers.SerializerMethodField()

    class Meta(LeadListSerializer.Meta):
        fields = [*LeadListSerializer.Meta.fields, "leads"]

    @extend_schema_field(LeadPageSerializer)
    def get_leads(self, lead_list: LeadList) -> dict | None:
        return self.context.get("leads_page")


class LeadListChangeSerializer(serializers.Serializer):
    """What add-leads / remove-leads did.

    ``lead_ids`` are de-duplicated first; ``ignored`` counts, and ``ignored_ids`` lists, each
    distinct id that changed nothing: not one of your leads (or no such lead), already in the list
    (add) or not in the list (remove).
    """

    added = serializers.IntegerField()
    removed = serializers.IntegerField()
    ignored = serializers.SerializerMethodField()
    ignored_ids = serializers.ListField(child=serializers.UUIDField())
    lead_list = LeadListSerializer()

    @extend_schema_field(serializers.IntegerField())
    def get_ignored(self, change) -> int:
        return len(change.ignored_ids)
