"""/api/privacy/: data-subject export and erase, and the audit log of your requests."""

from django.conf import settings
from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from common.renderers import file_renderers
from common.throttles import UserRateThrottle
from common.views import OwnedQuerysetMixin

from .models import PrivacyRequest
from .serializers import PrivacyRequestSerializer, SubjectRequestSerializer
from .services import privacy_erase, privacy_export_request


def _subject_params(request) -> dict:
    params = SubjectRequestSerializer(data=request.data, context={"request": request})
    params.is_valid(raise_exception=True)
    return params.validated_data


class ExportView(APIView):
    @extend_schema(
        request=SubjectRequestSerializer,
        responses={202: PrivacyRequestSerializer},
        description=(
            "개인정보보호법 제35조: every row of yours that holds the person (leads, campaign results, tracking "
            "events, replies, consent events, clients, logged e-mails and their files, notes, tasks, workflow "
            "runs), as a ZIP of JSON files written by a task; poll the request, then download_url. "
            "409 past PRIVACY_MAX_OPEN_EXPORTS exports in progress."
        ),
    )
    def post(self, request):
        data = _subject_params(request)
        export = privacy_export_request(
            user=request.user,
            email=data.get("email", ""),
            lead=data.get("lead"),
            reason=data["reason"],
            max_open=settings.PRIVACY_MAX_OPEN_EXPORTS,
        )
        return Response(
            PrivacyRequestSerializer(export, context={"request": request}).data, status=status.HTTP_202_ACCEPTED
        )


class EraseThrottle(UserRateThrottle):
    """Erasures one user may ask for per PRIVACY_ERASE_RATE (e.g. ``30/hour``): counted in Redis."""

    scope = "privacy_erase"

    def get_rate(self):
        return settings.PRIVACY_ERASE_RATE


class EraseView(APIView):
    throttle_classes = [UserRateThrottle, EraseThrottle]

    @extend_schema(
        request=SubjectRequestSerializer,
        responses={200: PrivacyRequestSerializer},
        description=(
            "개인정보보호법 제36조: erase the person from your data in one transaction. Leads are deleted, "
            "campaign results and events anonymised (campaign counts stay), replies, consent events, logged "
            "e-mails, notes and reminders naming the address deleted, free text redacted. The address is "
            "kept only as a hash of you and the address on the suppression list: none of your campaigns, "
            "sequences or notices mails it again (other users' mail is not affected). counts says how many "
            "rows of each table. 429 past PRIVACY_ERASE_RATE."
        ),
    )
    def post(self, request):
        data = _subject_params(request)
        erased = privacy_erase(
            user=request.user, email=data.get("email", ""), lead=data.get("lead"), reason=data["reason"]
        )
        return Response(PrivacyRequestSerializer(erased, context={"request": request}).data)


class PrivacyRequestViewSet(OwnedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Your data-subject requests (the audit log), newest first."""

    queryset = PrivacyRequest.objects.all()
    serializer_class = PrivacyRequestSerializer
    filterset_fields = ["kind", "status"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at"]

    @extend_schema(
        responses={(200, "application/zip"): OpenApiTypes.BINARY},
        description="The export's ZIP; 404 while it is not ready, after the person was erased, or once it "
        "expired (PRIVACY_EXPORT_KEEP_DAYS). Accept: application/zip, application/octet-stream or "
        "application/json (errors are JSON); any other is a 406.",
    )
    @action(detail=True, methods=["get"], renderer_classes=file_renderers("application/zip"))
    def download(self, request, pk=None):
        export = self.get_object()
        if not export.file:
            raise Http404
        return FileResponse(export.file.open("rb"), as_attachment=True, filename=f"privacy-export-{export.pk}.zip")
