"""/api/campaign-templates/ and /api/campaigns/: thin views over services and selectors."""

from __future__ import annotations

from dataclasses import asdict

from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.leads.models import LeadList
from common.exceptions import Conflict
from common.filters import filterset_errors, known_parameters, reject_unknown_parameters
from common.pagination import StandardPagination
from common.renderers import file_renderers
from common.views import OwnedModelViewSet

from . import reports, selectors, services
from .models import Campaign, CampaignLeadResult, CampaignTemplate
from .rendering import TemplateError
from .report_serializers import CampaignReportSerializer
from .serializers import (
    CampaignAudienceSerializer,
    CampaignDayTotalsSerializer,
    CampaignLeadResultSerializer,
    CampaignResultsPageSerializer,
    CampaignSerializer,
    CampaignStartResponseSerializer,
    CampaignStartSerializer,
    CampaignTemplateSerializer,
    ConsentExclusionsSerializer,
    ResendUnknownRequestSerializer,
    ResendUnknownSerializer,
    RetryFailedSerializer,
    TemplatePreviewRequestSerializer,
    TemplatePreviewSerializer,
)
from .spam_check import spam_check_message

REPORT_FILE_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


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
            raise serializers.ValidationError(
                {"detail": _("The template could not be rendered: %(error)s") % {"error": exc}}
            ) from exc
        preview["spam_check"] = asdict(
            spam_check_message(subject=preview["subject"], html=preview["html"], text=preview["text"])
        )
        return Response(TemplatePreviewSerializer(preview).data)


class CampaignFilter(filters.FilterSet):
    class Meta:
        model = Campaign
        fields = ["status", "is_advertising", "template"]


# The totals a results page can be narrowed to (all but recipients: that is the whole list).
RESULT_TOTALS = [name for name in selectors.TOTAL_NAMES if name != "recipients"]


class CampaignResultFilter(filters.FilterSet):
    """The results endpoint's filters: a state, or a total's rows (common/filters.py makes a bad value a 400)."""

    status = filters.ChoiceFilter(choices=CampaignLeadResult.Status.choices)
    delivery = filters.ChoiceFilter(choices=[(name, name) for name in RESULT_TOTALS])

    class Meta:
        model = CampaignLeadResult
        fields = ["status"]


class CampaignViewSet(OwnedModelViewSet):
    queryset = Campaign.objects.select_related("user", "template").prefetch_related("leadlists")
    serializer_class = CampaignSerializer
    filterset_class = CampaignFilter
    search_fields = ["name"]
    ordering_fields = ["name", "created_at", "scheduled_at", "started_at", "status"]
    ordering = ["-created_at"]

    def get_queryset(self):
        # Totals and rates ride along in the same query (no query per row): CampaignSerializer reads them.
        # A sequence's steps send as campaigns of their own kind: they are listed under the sequence.
        queryset = super().get_queryset().filter(kind=Campaign.Kind.CAMPAIGN)
        if self.action == "list":
            # A row shows its template's and lead lists' ids only: no template body (up to 200,000
            # characters) and no lead_ids array (a list's every member) read for each campaign of the page.
            queryset = (
                queryset.select_related(None)
                .select_related("user")
                .prefetch_related(None)
                .prefetch_related(Prefetch("leadlists", queryset=LeadList.objects.only("id")))
            )
        return selectors.campaigns_with_totals(queryset)

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
        responses={200: CampaignStartResponseSerializer},
        description=(
            "Start now, or at scheduled_at (→ scheduled, started by the scheduler). Resumes a paused or "
            "failed campaign, sending only to leads not yet sent (and clears paused_reason). 409 when the "
            "campaign cannot start, e.g. its mailbox is deactivated (sending pauses it then, with paused_reason). "
            "consent_exclusions counts the addresses an advertising campaign leaves out for want of a "
            "valid consent basis (정보통신망법 제50조), by reason."
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
                    raise Conflict(_("Only a draft campaign can be given a schedule when it starts."))
                campaign.scheduled_at = params.validated_data["scheduled_at"]
                campaign.save(update_fields=["scheduled_at", "updated_at"])
            campaign = services.campaign_start(campaign=campaign)
        exclusions = selectors.campaign_consent_exclusions(campaign=campaign)
        return Response({**self.get_serializer(campaign).data, "consent_exclusions": exclusions})

    @extend_schema(
        request=None,
        responses={200: ConsentExclusionsSerializer},
        description=(
            "Before starting: how many of the campaign's addresses an advertising campaign would leave out "
            "now for want of a valid consent basis (정보통신망법 제50조), by reason. A non-advertising "
            "campaign is exempt."
        ),
    )
    @action(detail=True, methods=["get"], url_path="consent-exclusions")
    def consent_exclusions(self, request, pk=None):
        campaign = self.get_object()
        return Response(ConsentExclusionsSerializer(selectors.campaign_consent_exclusions(campaign=campaign)).data)

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
        campaign = self.get_object()  # read again, totals included (refresh_from_db keeps the old ones)
        return Response({"retried": count, "campaign": self.get_serializer(campaign).data}, status=status.HTTP_200_OK)

    @extend_schema(
        request=ResendUnknownRequestSerializer,
        responses={200: ResendUnknownSerializer},
        description=(
            "Send again the e-mails whose outcome is unknown (the provider may have sent them: a worker "
            'stopped or failed after the request left). Requires {"confirm": true}: '
            + services.RESEND_UNKNOWN_WARNING_SOURCE
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
                {
                    "confirm": [
                        _('%(warning)s Send {"confirm": true} to re-send them anyway.')
                        % {"warning": services.RESEND_UNKNOWN_WARNING}
                    ]
                }
            )
        count = services.campaign_resend_unknown(campaign=campaign)
        campaign = self.get_object()  # read again, totals included (refresh_from_db keeps the old ones)
        return Response({"resent": count, "campaign": self.get_serializer(campaign).data})

    @extend_schema(
        responses={200: CampaignDayTotalsSerializer(many=True)},
        description=(
            "The campaign's totals per calendar day (Asia/Seoul), from the first to the last day anything "
            "happened, days without events included; [] before anything was sent."
        ),
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def daily(self, request, pk=None):
        days = selectors.campaign_daily_totals(campaign=self.get_object())
        return Response(CampaignDayTotalsSerializer(days, many=True).data)

    @extend_schema(
        responses={200: CampaignAudienceSerializer},
        description="Who the campaign would write to if started now, and how many leads are left out and why "
        "(no e-mail, suppressed, a duplicate address, a company the NTS reports closed or suspended).",
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def audience(self, request, pk=None):
        return Response(CampaignAudienceSerializer(selectors.campaign_audience(campaign=self.get_object())).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                enum=CampaignLeadResult.Status.values,
                description="Only the rows in this state; another value (or an unknown parameter) is a 400.",
            ),
            OpenApiParameter(
                "delivery",
                OpenApiTypes.STR,
                enum=RESULT_TOTALS,
                description=(
                    "Only the rows a total counts: opened gives every row a person opened, whatever its "
                    "status went on to be (the count is the campaign's totals.opened)."
                ),
            ),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT),
        ],
        responses={200: CampaignResultsPageSerializer},
        description="One row per lead (filter by status or by total), paginated, with the campaign's totals and rates.",
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def results(self, request, pk=None):
        campaign = self.get_object()
        query = CampaignResultFilter(request.query_params, queryset=CampaignLeadResult.objects.none())
        reject_unknown_parameters(request.query_params, known_parameters(query))
        errors = filterset_errors(query)
        if errors:
            raise serializers.ValidationError(errors)
        wanted = query.form.cleaned_data
        paginator = StandardPagination()
        rows = selectors.campaign_result_list(
            campaign=campaign, status=wanted.get("status") or None, total=wanted.get("delivery") or None
        )
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

    @extend_schema(
        responses={200: CampaignReportSerializer},
        description=(
            "What the campaign did: totals and rates (opens and clicks of people only; machine opens apart), "
            "the most clicked links, replies, bounces by reason and the days (Asia/Seoul). The owner gets the "
            "same report by e-mail, in Korean, when the campaign completes."
        ),
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def report(self, request, pk=None):
        campaign = self.get_object()
        return Response(CampaignReportSerializer(reports.campaign_report(campaign=campaign)).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "file_format",
                OpenApiTypes.STR,
                enum=list(REPORT_FILE_FORMATS),
                required=True,
                description="csv (UTF-8 with a BOM, for Excel) or xlsx (one sheet per part of the report).",
            )
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="The report as CSV"),
            (200, REPORT_FILE_FORMATS["xlsx"]): OpenApiResponse(OpenApiTypes.BINARY, description="The report as XLSX"),
        },
        description=(
            "The report of GET report/ as a file to download, headers in Korean. Accept: text/csv, the XLSX "
            "type, application/octet-stream or application/json (errors are JSON); any other is a 406."
        ),
        filters=False,
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="report/export",
        filter_backends=[],
        pagination_class=None,
        renderer_classes=file_renderers("text/csv", REPORT_FILE_FORMATS["xlsx"]),
    )
    def report_export(self, request, pk=None):
        campaign = self.get_object()
        reject_unknown_parameters(request.query_params, {"file_format"})
        file_format = request.query_params.get("file_format", "")
        if file_format not in REPORT_FILE_FORMATS:
            raise serializers.ValidationError({"file_format": [_("Choose csv or xlsx.")]})
        report = reports.campaign_report(campaign=campaign)
        content = reports.campaign_report_csv(report) if file_format == "csv" else reports.campaign_report_xlsx(report)
        response = HttpResponse(content, content_type=REPORT_FILE_FORMATS[file_format])
        filename = f"campaign-report-{campaign.pk}-{timezone.localtime():%Y%m%d-%H%M}.{file_format}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
