"""/api/consent/: the ledger of the user's addresses (list, record, state), double opt-in requests,
and the public confirmation page a recipient opens from the opt-in e-mail."""

import dataclasses
import datetime as dt

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from common.exceptions import Conflict
from common.parsers import BoundedJSONParser
from common.upload_size import upload_check_size, upload_limit_guard
from common.views import OwnedQuerysetMixin

from . import services
from .lead_import import REFUSED_ROWS_SHOWN, leads_import
from .models import ConsentEvent
from .selectors import consent_state
from .serializers import (
    ConsentEventSerializer,
    ConsentRecordSerializer,
    ConsentStateSerializer,
    LeadImportReportSerializer,
    LeadImportRequestSerializer,
    OptInRequestSerializer,
)


def _check_daily_limit(user) -> None:
    since = timezone.now() - dt.timedelta(days=1)
    if (
        ConsentEvent.objects.filter(user=user, actor=user, created_at__gte=since).count()
        >= settings.CONSENT_EVENTS_PER_DAY
    ):
        raise Conflict(
            _("You have recorded %(limit)s consent events in the last 24 hours, the limit (CONSENT_EVENTS_PER_DAY).")
            % {"limit": settings.CONSENT_EVENTS_PER_DAY}
        )


class ConsentEventViewSet(
    OwnedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The consent ledger of your addresses: append-only, newest first."""

    queryset = ConsentEvent.objects.select_related("actor")
    serializer_class = ConsentEventSerializer
    filterset_fields = ["email", "kind", "basis"]
    search_fields = ["email", "source"]
    ordering_fields = ["occurred_at", "created_at", "email"]
    ordering = ["-occurred_at"]
    parser_classes = [BoundedJSONParser, MultiPartParser, FormParser]

    @extend_schema(
        request=ConsentRecordSerializer,
        responses={
            201: ConsentEventSerializer,
            413: OpenApiResponse(
                description=(
                    "evidence_file is over CONSENT_EVIDENCE_MAX_BYTES: refused before the upload is read "
                    "(by its declared length, or as soon as its bytes pass the limit). Nothing is written."
                )
            ),
        },
        description=(
            "Record a consent given (basis opt_in_form, import_evidence with evidence_text or evidence_file, "
            "or existing_customer with deal_date) or withdrawn. The recipient is told by e-mail (정보통신망법 "
            "제50조⑦), except for the existing-customer basis. A withdrawal also suppresses the address. "
            "409 past CONSENT_EVENTS_PER_DAY, or when the address had already opted out; 413 when evidence_file "
            "is larger than CONSENT_EVIDENCE_MAX_BYTES. No notice goes to a suppressed or erased address."
        ),
    )
    def create(self, request):
        upload_limit_guard(request, limit=settings.CONSENT_EVIDENCE_MAX_BYTES)
        params = ConsentRecordSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        _check_daily_limit(request.user)
        upload_check_size(data["evidence_file"], limit=settings.CONSENT_EVIDENCE_MAX_BYTES)
        if data["kind"] == ConsentEvent.Kind.WITHDRAWN:
            event = services.consent_withdraw(
                user=request.user, email=data["email"], source=data["source"] or "API", actor=request.user
            )
            if event is None:
                raise Conflict(_("This address has already opted out."))
        else:
            event = services.consent_grant(
                user=request.user,
                email=data["email"],
                basis=data["basis"],
                source=data["source"] or "API",
                evidence_text=data["evidence_text"],
                evidence_file=data["evidence_file"],
                deal_date=data["deal_date"],
                actor=request.user,
            )
        return Response(ConsentEventSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("email", OpenApiTypes.EMAIL, required=True)],
        responses={200: ConsentStateSerializer},
        description="An address's current state: its latest event, and whether advertising mail may go to it now.",
    )
    @action(detail=False, methods=["get"])
    def state(self, request):
        email = serializers.EmailField().run_validation(request.query_params.get("email", ""))
        return Response(ConsentStateSerializer(consent_state(user=request.user, email=email)).data)

    @extend_schema(
        request=OptInRequestSerializer,
        responses={201: ConsentEventSerializer},
        description=(
            "Double opt-in: e-mail the address a signed link to confirm its consent (good for "
            "CONSENT_OPT_IN_LINK_DAYS). Advertising mail waits for the confirmation. 409 when the address is "
            "suppressed or erased, was asked within CONSENT_OPT_IN_REPEAT_DAYS without answering, or past "
            "CONSENT_OPT_IN_REQUESTS_PER_DAY requests in 24 hours."
        ),
    )
    @action(detail=False, methods=["post"], url_path="opt-in-requests")
    def opt_in_requests(self, request):
        params = OptInRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        _check_daily_limit(request.user)
        event = services.consent_request_opt_in(
            user=request.user,
            email=params.validated_data["email"],
            source=params.validated_data["source"],
            actor=request.user,
        )
        return Response(ConsentEventSerializer(event).data, status=status.HTTP_201_CREATED)


_TOKEN = OpenApiParameter("token", OpenApiTypes.STR, OpenApiParameter.PATH, description="Signed opt-in request")


class OptInConfirmView(APIView):
    """GET shows the question (a link scanner must not consent for anybody); POST confirms."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    parser_classes = [FormParser]

    @extend_schema(
        operation_id="consent_opt_in_page",
        summary="Double opt-in confirmation page (Korean, HTML)",
        parameters=[_TOKEN],
        responses={(200, "text/html"): OpenApiTypes.STR, (400, "text/html"): OpenApiTypes.STR},
        auth=[],
        tags=["consent"],
    )
    def get(self, request, token):
        event = services.opt_in_request_from_token(token)
        if event is None:
            return _page("invalid", status=400)
        return _page("confirm", action=request.path, email=event.email, sender=services.sender_name(event.user))

    @extend_schema(
        operation_id="consent_opt_in_confirm",
        summary="Confirm a double opt-in",
        parameters=[_TOKEN],
        request={"application/x-www-form-urlencoded": OpenApiTypes.OBJECT},
        responses={(200, "text/html"): OpenApiTypes.STR, (400, "text/html"): OpenApiTypes.STR},
        auth=[],
        tags=["consent"],
    )
    def post(self, request, token):
        event = services.opt_in_request_from_token(token)
        if event is None:
            return _page("invalid", status=400)
        services.consent_confirm_opt_in(
            request_event=event, ip=request.META.get("REMOTE_ADDR"), user_agent=request.META.get("HTTP_USER_AGENT", "")
        )
        return _page("done", email=event.email, sender=services.sender_name(event.user))


def _page(state: str, *, status: int = 200, **context) -> HttpResponse:
    response = HttpResponse(
        render_to_string("consent/opt_in.html", {"state": state, **context}),
        status=status,
        content_type="text/html; charset=utf-8",
    )
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


class LeadImportView(APIView):
    """Import leads from a CSV or JSONL file, with their consent basis (mounted at /api/leads/import/)."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="leads_import_file",
        summary="Import leads from a file, with their consent",
        request={"multipart/form-data": LeadImportRequestSerializer},
        responses={
            201: LeadImportReportSerializer,
            400: OpenApiResponse(
                description=(
                    "The file as a whole is refused (not .csv/.jsonl, not UTF-8, unknown columns, no rows, over "
                    "LEAD_IMPORT_MAX_ROWS), or lead_list_id is not one of your lists. Nothing is written."
                )
            ),
            413: OpenApiResponse(
                description=(
                    "The file is over LEAD_IMPORT_MAX_BYTES: refused before the upload is read (by its declared "
                    "length, or as soon as its bytes pass the limit). Nothing is written."
                )
            ),
        },
        tags=["leads"],
        description=(
            "The whole file is checked first, then its good rows are written in one transaction. A row "
            "declaring advertising consent (opt_in_form, import_evidence) needs consent_evidence and "
            "consent_date; existing_customer needs a deal date within 6 months; a future date, a consent "
            "over 2 years old, an address that opted out, a number you already hold or an invalid lead "
            "refuse the row: it is reported (line, code, reason) and not imported. Rows without a consent "
            "basis are imported without consent: advertising campaigns leave them out. No notice is mailed "
            "to the imported addresses."
        ),
    )
    def post(self, request):
        upload_limit_guard(request, limit=settings.LEAD_IMPORT_MAX_BYTES, setting="LEAD_IMPORT_MAX_BYTES")
        params = LeadImportRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        report = leads_import(
            user=request.user,
            upload=data["file"],
            lead_list_id=data.get("lead_list_id"),
            lead_list_name=data["lead_list_name"].strip(),
        )
        body = {
            **dataclasses.asdict(report),
            "refused": len(report.refused),
            "refused_rows": [dataclasses.asdict(row) for row in report.refused[:REFUSED_ROWS_SHOWN]],
            "refused_rows_truncated": len(report.refused) > REFUSED_ROWS_SHOWN,
            "without_consent_note": _(
                "%(count)s leads were imported without a consent basis: advertising campaigns leave them out "
                "until you record their consent."
            )
            % {"count": report.without_consent},
        }
        return Response(LeadImportReportSerializer(body).data, status=status.HTTP_201_CREATED)
