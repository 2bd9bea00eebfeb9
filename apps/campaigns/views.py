"""/api/campaign-templates/ and /api/campaigns/: thin views over services and selectors."""

from __future__ import annotations

from dataclasses import asdict

from django.db import transaction
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from common.exceptions import Conflict
from common.views import OwnedModelViewSet

from . import selectors, services
from .models import Campaign, CampaignLeadResult, CampaignTemplate
from .rendering import TemplateError
from .serializers import (
    CampaignLeadResultSerializer,
    CampaignResultsPageSerializer,
    CampaignSerializer,
    CampaignStartSerializer,
    CampaignTemplateSerializer,
    ResendUnknownRequestSerializer,
    ResendUnknownSerializer,
    RetryFailedSerializer,
    TemplatePreviewRequestSerializer,
    TemplatePreviewSerializer,
)
from .spam_check import spam_check_message


class CampaignTemplateViewSet(OwnedModelViewSet):
    queryset = CampaignTemplate.objects.select_related("user")
    serializer_class = CampaignTemplateSerializer
    search_fields = ["name", "title"]
    ordering_fields = ["name", "created_at", "updated_at"]
    ordering = ["-created_at"]

    @extend_schema(
        request=TemplatePreviewRequestSerializer,
        responses={200: TemplatePreviewSerializer},
        description=(
            "Render the template for one of your leads (lead_id), for given test data, or for a sample "
            "lead, and list the variables it uses that are missing or empty. A template that fails to "
            "render, or breaks a render limit (TEMPLATE_* settings), answers 400 naming the error or "
            "the limit and the line."
        ),
    )
    @action(detail=True, methods=["post"])
    def preview(self, request, pk=None):
        template = self.get_object()
        params = TemplatePreviewRequestSerializer(data=request.data, context={"request": request})
        params.is_valid(raise_exception=True)
        try:
            preview = selectors.campaign_template_preview(
                template=template,
                user=request.user,
                lead_id=params.validated_data.get("lead_id"),
                test_data=params.validated_data.get("test_data"),
                is_advertising=params.validated_data["is_advertising"],
            )
        except TemplateError as exc:
            raise serializers.ValidationError({"detail": f"The template could not be rendered: {exc}"}) from exc
        preview["spam_check"] = asdict(
            spam_check_message(subject=preview["subject"], html=preview["html"], text=preview["text"])
        )
        return Response(TemplatePreviewSerializer(preview).data)


class CampaignFilter(filters.FilterSet):
    class Meta:
        model = Campaign
        fields = ["status", "is_advertising", "template"]


class CampaignViewSet(OwnedModelViewSet):
    queryset = Campaign.objects.select_related("user", "template").prefetch_related("leadlists")
    serializer_class = CampaignSerializer
    filterset_class = CampaignFilter
    search_fields = ["name"]
    ordering_fields = ["name", "created_at", "scheduled_at", "started_at", "status"]
    ordering = ["-created_at"]

    def perform_update(self, serializer):
        changes = {
            name: value
            for name, value in serializer.validated_data.items()
            if name != "leadlists" and getattr(serializer.instance, name) != value
        }
        if "leadlists" in serializer.validated_data and {ll.pk for ll in serializer.validated_data["leadlists"]} != {
            ll.pk for ll in serializer.instance.leadlists.all()
        }:
            changes["leadlists"] = True
        services.campaign_update_allowed(campaign=serializer.instance, changes=changes)
        serializer.save()

    def perform_destroy(self, instance):
        services.campaign_delete(campaign=instance)

    @extend_schema(
        request=CampaignStartSerializer,
        responses={200: CampaignSerializer},
        description=(
            "Start now, or at scheduled_at (→ scheduled, started by the scheduler). Resumes a paused or "
            "failed campaign, sending only to leads not yet sent. 409 when the campaign cannot start."
        ),
    )
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        campaign = self.get_object()
        params = CampaignStartSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        with transaction.atomic():
            if "scheduled_at" in params.validated_data:
                if campaign.status != Campaign.Status.DRAFT:
                    raise Conflict("Only a draft campaign can be given a schedule when it starts.")
                campaign.scheduled_at = params.validated_data["scheduled_at"]
                campaign.save(update_fields=["scheduled_at", "updated_at"])
            campaign = services.campaign_start(campaign=campaign)
        return Response(self.get_serializer(campaign).data)

    @extend_schema(request=None, responses={200: CampaignSerializer}, description="Stop sending; start/ resumes.")
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        campaign = services.campaign_pause(campaign=self.get_object())
        return Response(self.get_serializer(campaign).data)

    @extend_schema(
        request=None,
        responses={200: RetryFailedSerializer},
        description=(
            "Send again the e-mails that failed for a reason worth retrying (provider refusal, render error, "
            "gave up after retries). Rows without an address or with a suppressed one stay failed; rows whose "
            "outcome is unknown are not touched (resend-unknown)."
        ),
    )
    @action(detail=True, methods=["post"], url_path="retry-failed")
    def retry_failed(self, request, pk=None):
        campaign = self.get_object()
        count = services.campaign_retry_failed(campaign=campaign)
        campaign.refresh_from_db()
        return Response({"retried": count, "campaign": self.get_serializer(campaign).data}, status=status.HTTP_200_OK)

    @extend_schema(
        request=ResendUnknownRequestSerializer,
        responses={200: ResendUnknownSerializer},
        description=(
            "Send again the e-mails whose outcome is unknown (the provider may have sent them: a worker "
            'stopped or failed after the request left). Requires {"confirm": true}: '
            + services.RESEND_UNKNOWN_WARNING
            + " 409 when there is none."
        ),
    )
    @action(detail=True, methods=["post"], url_path="resend-unknown")
    def resend_unknown(self, request, pk=None):
        campaign = self.get_object()
        params = ResendUnknownRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        if not params.validated_data["confirm"]:
            raise serializers.ValidationError(
                {"confirm": [f'{services.RESEND_UNKNOWN_WARNING} Send {{"confirm": true}} to re-send them anyway.']}
            )
        count = services.campaign_resend_unknown(campaign=campaign)
        campaign.refresh_from_db()
        return Response({"resent": count, "campaign": self.get_serializer(campaign).data})

    @extend_schema(
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=CampaignLeadResult.Status.values),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT),
        ],
        responses={200: CampaignResultsPageSerializer},
        description="One row per lead (filter by status), paginated, with the campaign's totals and rates.",
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def results(self, request, pk=None):
        campaign = self.get_object()
        wanted = request.query_params.get("status") or None
        if wanted and wanted not in CampaignLeadResult.Status.values:
            raise serializers.ValidationError(
                {"status": [f"Choose one of: {', '.join(CampaignLeadResult.Status.values)}."]}
            )
        from common.pagination import StandardPagination

        paginator = StandardPagination()
        rows = selectors.campaign_result_list(campaign=campaign, status=wanted)
        page = paginator.paginate_queryset(rows, request, view=self)
        return Response(
            {
                "count": paginator.page.paginator.count,
                "next": paginator.get_next_link(),
                "previous": paginator.get_previous_link(),
                "page_size": paginator.effective_page_size,
                "totals": selectors.campaign_totals(campaign=campaign),
                "results": CampaignLeadResultSerializer(page, many=True).data,
            }
        )
