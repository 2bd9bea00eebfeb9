"""Wire shapes: a sender domain with its DNS verdicts and complaint rate; the spam-check request (its
report is the campaigns app's SpamReportSerializer)."""

from django.utils.translation import gettext as _
from rest_framework import serializers

from common.serializers import DateTimeField, ModelSerializer

from .models import ComplaintPause, SenderDomain


class ComplaintPauseSerializer(ModelSerializer):
    campaign_name = serializers.CharField(source="campaign.name", read_only=True)
    paused_at = DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = ComplaintPause
        fields = ["campaign", "campaign_name", "paused_at", "complaint_rate", "complaint_count", "complaint_sent"]


class SenderDomainSerializer(ModelSerializer):
    paused_campaigns = ComplaintPauseSerializer(source="pauses", many=True, read_only=True)

    class Meta:
        model = SenderDomain
        fields = [
            "id",
            "domain",
            "providers",
            "status",
            "checked_at",
            "fixes",
            "warnings",
            "spf_status",
            "spf_record",
            "dkim_status",
            "dkim_records",
            "dmarc_status",
            "dmarc_record",
            "dmarc_policy",
            "sent_last_day",
            "complaint_rate",
            "complaint_count",
            "complaint_sent",
            "complaint_level",
            "complaint_rate_updated_at",
            "paused_campaigns",
        ]
        read_only_fields = fields


class SpamCheckRequestSerializer(serializers.Serializer):
    subject = serializers.CharField(required=False, max_length=998)
    html = serializers.CharField(required=False)
    text = serializers.CharField(required=False, allow_blank=True)
    template_id = serializers.UUIDField(required=False, help_text="A template of yours, rendered as the preview does")
    lead_id = serializers.UUIDField(required=False, help_text="With template_id: render for this lead of yours")
    is_advertising = serializers.BooleanField(default=True, help_text='With template_id: add "(광고)" and the footer')

    def validate(self, attrs):
        if attrs.get("template_id"):
            if attrs.get("subject") or attrs.get("html"):
                raise serializers.ValidationError(_("Send either template_id or subject and html, not both."))
        elif not (attrs.get("subject") and attrs.get("html")):
            raise serializers.ValidationError(_("Send subject and html, or template_id."))
        elif attrs.get("lead_id"):
            raise serializers.ValidationError({"lead_id": _("lead_id goes with template_id.")})
        return attrs
