"""The campaign report's shape on the wire (GET /api/campaigns/{id}/report/, apps/campaigns/reports.py)."""

from rest_framework import serializers

from common.serializers import DateTimeField

from .serializers import CampaignDayTotalsSerializer, CampaignDeliveryTotalsSerializer, CampaignRatesSerializer


class ReportCampaignSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    status = serializers.CharField(help_text="The campaign's status, as GET /api/campaigns/{id}/ gives it")
    started_at = DateTimeField(allow_null=True)
    completed_at = DateTimeField(allow_null=True)


class ReportLinkSerializer(serializers.Serializer):
    url = serializers.CharField()
    recipients = serializers.IntegerField(help_text="Recipients who clicked it (people; link scanners left out)")
    clicks = serializers.IntegerField(help_text="Clicks of people, repeats included")


class ReportReplySerializer(serializers.Serializer):
    email = serializers.CharField()
    replied_at = DateTimeField()


class ReportRepliesSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Recipients who replied")
    recent = ReportReplySerializer(many=True, help_text="The latest replies, newest first (at most 20)")


class ReportBounceReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="The provider's reason of the latest bounce; empty when none was given")
    count = serializers.IntegerField()


class CampaignReportSerializer(serializers.Serializer):
    """What the campaign did: the totals and rates of the campaign's detail (opens and clicks of
    people only; machine opens in totals.machine_opened), the most clicked links, replies, bounces by
    reason and the days (Asia/Seoul)."""

    campaign = ReportCampaignSerializer()
    generated_at = DateTimeField()
    totals = CampaignDeliveryTotalsSerializer()
    rates = CampaignRatesSerializer()
    top_links = ReportLinkSerializer(many=True)
    replies = ReportRepliesSerializer()
    bounces_by_reason = ReportBounceReasonSerializer(many=True)
    daily = CampaignDayTotalsSerializer(many=True)
