"""Shapes on the wire of the national company search, its detail and imports."""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import serializers

from common.korean_ids import normalize_corporation_number
from common.serializers import DateTimeField, ModelSerializer

from .filters import SalesOneLeadFilter
from .models import ImportJob, Industry, Keyword, SalesOneLead
from .selectors import Ordering


class IndustrySerializer(ModelSerializer):
    class Meta:
        model = Industry
        fields = ["code", "name"]


class SalesOneLeadSerializer(ModelSerializer):
    """A search result; ``imported`` says whether the asking user already holds the company."""

    industry = IndustrySerializer(read_only=True)
    # The search reads the page's keyword names with its industries in one query (selectors
    # SearchResult._detailed): a plain list of names, the shape (and schema) of the detail's slug field.
    keywords = serializers.ListField(
        child=serializers.CharField(label=Keyword._meta.get_field("name").verbose_name),
        source="keyword_names",
        read_only=True,
    )
    imported = serializers.BooleanField(read_only=True)

    def to_representation(self, instance):
        """Rows are written by one instance of this serializer built once per process: DRF builds a
        ModelSerializer's fields (and the nested industry's) for every serializer, ~2 ms of process CPU a
        request (the review's measurement, load 4.5; issue 18), and none of these fields reads the
        request's context (no hyperlink, no user, no language). A field added to Meta.fields that needs
        the context (a hyperlink, a per-user value) would silently get {}: it must be written
        through DRF's way, as the detail (a subclass) is."""
        if type(self) is not SalesOneLeadSerializer:
            return super().to_representation(instance)
        writer = SalesOneLeadSerializer.__dict__.get("_row_writer")
        if writer is None:
            writer = SalesOneLeadSerializer._row_writer = SalesOneLeadSerializer(context={})
        return super(SalesOneLeadSerializer, writer).to_representation(instance)

    class Meta:
        model = SalesOneLead
        fields = [
            "corporation_number",
            "business_number",
            "name",
            "name_eng",
            "owner",
            "industry",
            "industry_name",
            "email",
            "phone",
            "homepage",
            "employee",
            "finance_year",
            "finance_revenue",
            "address",
            "si_nm",
            "sgg_nm",
            "established_date",
            "is_corporation",
            "is_normal_taxpayer",
            "keywords",
            "imported",
        ]
        read_only_fields = fields


class SalesOneLeadDetailSerializer(SalesOneLeadSerializer):
    keywords = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    business_number_valid = serializers.BooleanField(read_only=True)
    corporation_number_valid = serializers.BooleanField(read_only=True)

    class Meta(SalesOneLeadSerializer.Meta):
        fields = [
            *SalesOneLeadSerializer.Meta.fields,
            "business_number_valid",
            "corporation_number_valid",
            "handle_goods",
            "finance_currency_code",
            "finance_operating_profit",
            "finance_comprehensive_income",
            "finance_net_profit",
            "finance_total_assets",
            "finance_total_liabilities",
            "finance_total_equity",
            "finance_capital",
            "finance_debt_ratio",
            "postal_code",
            "description",
            "scraped_bizinfo",
        ]
        read_only_fields = fields


def _comma_list(value):
    return ",".join(value) if isinstance(value, list) else value


class SalesOneLeadImportSerializer(serializers.Serializer):
    """Either ``corporation_numbers`` or the search's filters (the query parameters of the search,
    lists as JSON arrays or comma-separated), plus where to file the leads."""

    corporation_numbers = serializers.ListField(
        child=serializers.CharField(max_length=14), required=False, allow_empty=False
    )
    lead_list_id = serializers.UUIDField(required=False, help_text="add the leads to this lead list of yours")
    lead_list_name = serializers.CharField(
        required=False, max_length=200, help_text="create a lead list with this name for the leads"
    )
    limit = serializers.IntegerField(required=False, min_value=1, help_text="import by filter: at most this many")
    # The search's filters (see GET /api/salesone-leads/), validated by the same FilterSet.
    q = serializers.CharField(required=False)
    industry = serializers.ListField(child=serializers.CharField(), required=False)
    si_nm = serializers.ListField(child=serializers.CharField(), required=False)
    sgg_nm = serializers.ListField(child=serializers.CharField(), required=False)
    revenue_min = serializers.IntegerField(required=False, min_value=0)
    revenue_max = serializers.IntegerField(required=False, min_value=0)
    employee_min = serializers.IntegerField(required=False, min_value=0)
    employee_max = serializers.IntegerField(required=False, min_value=0)
    finance_year = serializers.IntegerField(required=False)
    established_from = serializers.DateField(required=False)
    established_to = serializers.DateField(required=False)
    keywords = serializers.ListField(child=serializers.CharField(), required=False)
    keywords_match = serializers.ChoiceField(choices=["any", "all"], required=False)
    is_corporation = serializers.BooleanField(required=False, allow_null=True, default=None)
    is_normal_taxpayer = serializers.BooleanField(required=False, allow_null=True, default=None)
    has_email = serializers.BooleanField(required=False, allow_null=True, default=None)
    has_phone = serializers.BooleanField(required=False, allow_null=True, default=None)
    has_homepage = serializers.BooleanField(required=False, allow_null=True, default=None)
    ordering = serializers.ChoiceField(choices=[choice for choice, _ in Ordering.CHOICES], required=False)

    FILTER_NAMES = list(SalesOneLeadFilter.base_filters)

    def to_internal_value(self, data):
        # Lists may come comma-separated, as in the query string.
        if hasattr(data, "copy"):
            data = data.copy()
            for name in ("industry", "si_nm", "sgg_nm", "keywords"):
                if isinstance(data.get(name), str):
                    data[name] = [part for part in data[name].split(",") if part.strip()]
        return super().to_internal_value(data)

    def validate_corporation_numbers(self, value):
        limit = settings.SALESONE_IMPORT_LIMIT
        if len(value) > limit:
            raise serializers.ValidationError(_("At most %(limit)s companies per import.") % {"limit": f"{limit:,}"})
        numbers = []
        for raw in value:
            number = normalize_corporation_number(raw.strip())
            if not (number and len(number) == 13 and number.isdigit()):
                raise serializers.ValidationError(_("%(value)r is not a 13-digit corporation number.") % {"value": raw})
            numbers.append(number)
        return list(dict.fromkeys(numbers))

    def validate_limit(self, value):
        return min(value, settings.SALESONE_IMPORT_LIMIT)

    def validate(self, attrs):
        filter_data = {
            name: _comma_list(attrs[name]) for name in self.FILTER_NAMES if attrs.get(name) not in (None, "", [])
        }
        if attrs.get("corporation_numbers") and filter_data:
            raise serializers.ValidationError(_("Give either corporation_numbers or search filters, not both."))
        if not attrs.get("corporation_numbers") and not filter_data:
            raise serializers.ValidationError(_("Give corporation_numbers or at least one search filter."))
        if attrs.get("lead_list_id") and attrs.get("lead_list_name"):
            raise serializers.ValidationError(_("Give lead_list_id or lead_list_name, not both."))
        filters = None
        if filter_data:
            filters = SalesOneLeadFilter(data={k: str(v) for k, v in filter_data.items()}).clean_filters()
        return {
            "corporation_numbers": attrs.get("corporation_numbers"),
            "filters": filters,
            "limit": attrs.get("limit"),
            "lead_list_id": attrs.get("lead_list_id"),
            "lead_list_name": attrs.get("lead_list_name"),
        }


class ImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    skipped = serializers.IntegerField(help_text="companies you already hold as leads")
    not_found = serializers.IntegerField(help_text="corporation numbers not in the database")
    lead_list_id = serializers.UUIDField(allow_null=True)


class ImportJobSerializer(ModelSerializer):
    progress = serializers.FloatField(read_only=True, help_text="percent of the companies processed")
    lead_list_id = serializers.UUIDField(read_only=True, allow_null=True)
    created_at = DateTimeField(read_only=True)

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "status",
            "total",
            "processed",
            "progress",
            "created",
            "skipped",
            "not_found",
            "lead_list_id",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class ImportQueuedSerializer(serializers.Serializer):
    job_id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=ImportJob.Status.choices)
    total = serializers.IntegerField()
    lead_list_id = serializers.UUIDField(allow_null=True)
    status_url = serializers.URLField()
