from django.utils.translation import gettext as _
from rest_framework import serializers

from common.serializers import ModelSerializer

from .models import ConsentEvent
from .selectors import REFUSALS
from .services import DECLARABLE_BASES


class ConsentEventSerializer(ModelSerializer):
    actor_email = serializers.EmailField(source="actor.email", read_only=True, allow_null=True, default=None)
    basis = serializers.ChoiceField(
        choices=ConsentEvent.Basis.choices,
        allow_blank=True,
        read_only=True,
        help_text="Empty for a withdrawal or a request",
    )
    evidence_file = serializers.FileField(read_only=True, allow_null=True, help_text="null: no file")

    class Meta:
        model = ConsentEvent
        fields = [
            "id",
            "email",
            "kind",
            "basis",
            "source",
            "occurred_at",
            "evidence_text",
            "evidence_file",
            "deal_date",
            "actor_email",
            "created_at",
        ]
        read_only_fields = fields


class ConsentRecordSerializer(serializers.Serializer):
    """A consent given (with its basis and evidence) or withdrawn, recorded by the user."""

    email = serializers.EmailField()
    kind = serializers.ChoiceField(choices=[ConsentEvent.Kind.GRANTED, ConsentEvent.Kind.WITHDRAWN])
    basis = serializers.ChoiceField(
        choices=[(b, ConsentEvent.Basis(b).label) for b in DECLARABLE_BASES],
        required=False,
        help_text="Required when kind is granted.",
    )
    source = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    evidence_text = serializers.CharField(max_length=10000, required=False, default="", allow_blank=True)
    evidence_file = serializers.FileField(required=False, allow_null=True, default=None)
    deal_date = serializers.DateField(required=False, allow_null=True, default=None)

    def validate(self, attrs):
        if attrs["kind"] == ConsentEvent.Kind.GRANTED and not attrs.get("basis"):
            raise serializers.ValidationError({"basis": [_("A consent given needs its basis.")]})
        return attrs


class OptInRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    source = serializers.CharField(max_length=200, help_text="The form the address came from.")


class ConsentStateSerializer(serializers.Serializer):
    email = serializers.EmailField()
    latest = ConsentEventSerializer(allow_null=True)
    advertising_allowed = serializers.BooleanField()
    refusal = serializers.ChoiceField(choices=list(REFUSALS), allow_null=True)
    refusal_reason = serializers.CharField()


class LeadImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=(
            "A .csv (first line: the column names) or .jsonl (one object a line) file, UTF-8 with or without "
            "BOM. Columns: name (required), email, phone, owner, business_number, corporation_number, "
            "homepage, address, consent_basis (opt_in_form | import_evidence | existing_customer | empty), "
            "consent_date (YYYY-MM-DD; for existing_customer the deal date), consent_evidence."
        )
    )
    lead_list_id = serializers.UUIDField(required=False, allow_null=True, help_text="Add the leads to your list.")
    lead_list_name = serializers.CharField(
        max_length=200, required=False, default="", allow_blank=True, help_text="Create a list of the leads."
    )


class LeadImportRefusedRowSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="Line of the file where the row starts (the CSV header is line 1).")
    code = serializers.CharField(help_text="Stable code of the reason (no_evidence, future_date, duplicate...).")
    reason = serializers.CharField()


class LeadImportReportSerializer(serializers.Serializer):
    rows_read = serializers.IntegerField()
    leads_created = serializers.IntegerField()
    consent_recorded = serializers.DictField(
        child=serializers.IntegerField(), help_text="Consent events recorded, by basis."
    )
    without_consent = serializers.IntegerField(
        help_text="Leads imported without a consent basis: advertising campaigns leave them out."
    )
    without_consent_note = serializers.CharField()
    refused = serializers.IntegerField(help_text="Rows not imported.")
    refused_rows = LeadImportRefusedRowSerializer(many=True, help_text="The first refused rows, in file order.")
    refused_rows_truncated = serializers.BooleanField(help_text="More rows were refused than refused_rows lists.")
    lead_list_id = serializers.UUIDField(allow_null=True)
