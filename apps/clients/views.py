"""/api/clients/…: clients and their notes, files, products, activities and logged e-mails.

Every viewset scopes to the requesting user in get_queryset (common.views.OwnedQuerysetMixin), and
every action reaches its object through get_object(), so another user's client answers 404.
"""

import uuid
from base64 import urlsafe_b64decode, urlsafe_b64encode
from datetime import datetime

from django.conf import settings
from django.db.models import Prefetch
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from common.filters import reject_unknown_parameters
from common.pagination import StandardPagination
from common.parsers import BoundedJSONParser
from common.renderers import file_renderers
from common.serializers import utc_iso
from common.upload_size import upload_limit_guard
from common.views import OwnedModelViewSet, OwnedQuerysetMixin

from . import selectors, services, tasks_seam
from .filters import (
    ClientActivityFilter,
    ClientEmailAttachmentFilter,
    ClientEmailFilter,
    ClientFileFilter,
    ClientFilter,
    ClientNoteFilter,
    ClientProductFilter,
)
from .models import Client, ClientActivity, ClientEmail, ClientEmailAttachment, ClientFile, ClientNote, ClientProduct
from .serializers import (
    MAX_EMAIL_ATTACHMENTS,
    ClientActiveProductSerializer,
    ClientActivitySerializer,
    ClientDetailSerializer,
    ClientEmailAttachmentRecordSerializer,
    ClientEmailRecordSerializer,
    ClientFileSerializer,
    ClientFileUpdateSerializer,
    ClientFileUploadSerializer,
    ClientInsightsSerializer,
    ClientMailItemSerializer,
    ClientMailPageSerializer,
    ClientNoteSerializer,
    ClientPastProductSerializer,
    ClientProductSerializer,
    ClientProductsSerializer,
    ClientSerializer,
    CommunicationsSerializer,
    TimelineItemSerializer,
    communication_item_data,
    timeline_item_data,
)


def mail_cursor_encode(at, pk) -> str:
    """The keyset of a page's last e-mail (its time and id), opaque to the client."""
    return urlsafe_b64encode(f"{utc_iso(at)}|{pk}".encode()).decode().rstrip("=")


def mail_cursor_decode(cursor: str | None):
    if not cursor:
        return None
    try:
        at, pk = urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().split("|")
        when = datetime.fromisoformat(at.replace("Z", "+00:00"))
        if when.tzinfo is None:
            raise ValueError(at)
        return when, str(uuid.UUID(pk))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError({"cursor": [_("Not a cursor this list gave: use the next link as it is.")]}) from exc


FILE_DOWNLOAD_SCHEMA = extend_schema(
    responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    description="The stored bytes, as an attachment, with the file's own content type (any Accept is served; "
    "errors are JSON). Needs the owner's token: media is never served publicly.",
)


def stored_file_response(stored, name: str, content_type: str) -> FileResponse:
    return FileResponse(
        stored.open("rb"), as_attachment=True, filename=name, content_type=content_type or "application/octet-stream"
    )


class ClientViewSet(OwnedModelViewSet):
    queryset = Client.objects.all()
    serializer_class = ClientSerializer
    filterset_class = ClientFilter
    search_fields = ["name", "representative_name", "business_number", "website", "address"]
    ordering_fields = ["name", "created_at", "updated_at"]
    ordering = ["-created_at"]

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":
            return queryset.prefetch_related(*selectors.client_detail_prefetches())
        return queryset

    def get_serializer_class(self):
        if self.action == "retrieve":
            return ClientDetailSerializer
        return ClientSerializer

    @extend_schema(responses=TimelineItemSerializer(many=True))
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        """Notes, files, activities, the campaign e-mails sent to the client and their tracking events
        (delivered, opened, clicked, replied, bounced, unsubscribed, …; machine opens and clicks
        flagged, not hidden), oldest first: activities at their scheduled time, events when they
        happened."""
        client = self.get_object()
        file_link = ClientFileSerializer(context=self.get_serializer_context())
        # Entries carry only the keys of their kind (SPEC.md), so they are written as built.
        return Response(
            [
                timeline_item_data(entry, file_link=file_link, owner_email=request.user.email)
                for entry in selectors.client_timeline(client=client)
            ]
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("cursor", OpenApiTypes.STR, description="From a previous page's next link"),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="1 to 100 (default 20)"),
        ],
        responses={200: ClientMailPageSerializer},
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def emails(self, request, pk=None):
        """The client's e-mails, newest first, in one list: the campaign e-mails sent to any of its
        addresses (source "campaign", with the campaign) and the e-mails logged for it (source
        "client_email", with attachments). Paged by a cursor: ``next`` gives the older page."""
        client = self.get_object()
        reject_unknown_parameters(request.query_params, {"cursor", "page_size", "format"})
        limit = StandardPagination().get_page_size(request)
        before = mail_cursor_decode(request.query_params.get("cursor"))
        items = selectors.client_mail_page(client=client, limit=limit, before=before)
        page, more = items[:limit], len(items) > limit
        next_link = None
        if more:
            last = page[-1]
            query = request.query_params.copy()
            query["cursor"] = mail_cursor_encode(last.at, last.obj.pk)
            next_link = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        context = {**self.get_serializer_context(), "owner_email": client.user.email}
        return Response(
            {
                "count": selectors.client_mail_count(client=client),
                "next": next_link,
                "page_size": limit,
                "results": ClientMailItemSerializer(page, many=True, context=context).data,
            }
        )

    @extend_schema(
        responses=ClientInsightsSerializer,
        description="Engagement score, summary, recommendations and key metrics from the client's own data, "
        "in the request's language. The summary and recommendations come from the insights backend "
        "(INSIGHTS_BACKEND; rule-based by default), cached until an input changes; an LLM backend is never "
        "waited on: `insight_status` pending (the rule-based texts meanwhile), ready, or fallback with "
        "`fallback_reason`.",
    )
    @action(detail=True, methods=["get"])
    def insights(self, request, pk=None):
        """Engagement score, summary, recommendations and key metrics from the client's own data."""
        insights = selectors.client_insights(client=self.get_object())
        return Response(ClientInsightsSerializer(insights).data)

    @extend_schema(responses=ClientProductsSerializer)
    @action(detail=True, methods=["get"])
    def products(self, request, pk=None):
        """Active (or paused) products and past ones."""
        active, past = selectors.client_products_split(client=self.get_object())
        return Response(
            {
                "active_products": ClientActiveProductSerializer(active, many=True).data,
                "past_products": ClientPastProductSerializer(past, many=True).data,
            }
        )

    @extend_schema(responses=CommunicationsSerializer)
    @action(detail=True, methods=["get"])
    def communications(self, request, pk=None):
        """Campaign e-mails sent to the client's addresses, logged e-mails and activities, newest first."""
        items = selectors.client_communications(client=self.get_object())
        return Response({"communications": [communication_item_data(item) for item in items]})

    @extend_schema(responses=tasks_seam.ClientTasksSerializer())
    @action(detail=True, methods=["get"])
    def tasks(self, request, pk=None):
        """The client's tasks grouped by status (not_started shows as pending) with a summary."""
        return Response(tasks_seam.client_tasks_data(client=self.get_object(), context=self.get_serializer_context()))


class ClientNoteViewSet(OwnedModelViewSet):
    queryset = ClientNote.objects.select_related("user")
    serializer_class = ClientNoteSerializer
    filterset_class = ClientNoteFilter
    search_fields = ["title", "content"]
    ordering_fields = ["created_at", "updated_at", "title"]
    ordering = ["-created_at"]


class ClientFileViewSet(OwnedModelViewSet):
    """Files of the user's clients. Upload with multipart; download through ``download/`` only."""

    queryset = ClientFile.objects.select_related("user")
    serializer_class = ClientFileSerializer
    filterset_class = ClientFileFilter
    search_fields = ["name", "description"]
    ordering_fields = ["created_at", "name", "size"]
    ordering = ["-created_at"]
    parser_classes = [MultiPartParser, FormParser, BoundedJSONParser]

    def get_serializer_class(self):
        if self.action == "create":
            return ClientFileUploadSerializer
        if self.action in ("update", "partial_update"):
            return ClientFileUpdateSerializer
        return ClientFileSerializer

    @extend_schema(
        request={"multipart/form-data": ClientFileUploadSerializer},
        responses={
            201: ClientFileSerializer,
            400: OpenApiResponse(description="Missing file, unknown client or a type not allowed"),
            413: OpenApiResponse(description="Larger than CLIENT_FILE_MAX_BYTES"),
        },
    )
    def create(self, request, *args, **kwargs):
        upload_limit_guard(request, limit=settings.CLIENT_FILE_MAX_BYTES)
        body = ClientFileUploadSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        client_file = services.client_file_create(
            user=request.user,
            client=body.validated_data["client"],
            upload=body.validated_data["file"],
            name=body.validated_data.get("name", ""),
            description=body.validated_data.get("description", ""),
        )
        data = ClientFileSerializer(client_file, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ClientFileUpdateSerializer, responses=ClientFileSerializer)
    def update(self, request, *args, **kwargs):
        super().update(request, *args, **kwargs)
        return Response(ClientFileSerializer(self.get_object(), context=self.get_serializer_context()).data)

    @extend_schema(request=ClientFileUpdateSerializer, responses=ClientFileSerializer)
    def partial_update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)

    @FILE_DOWNLOAD_SCHEMA
    @action(detail=True, methods=["get"], renderer_classes=file_renderers("*/*"))
    def download(self, request, pk=None):
        client_file = self.get_object()
        return stored_file_response(client_file.file, client_file.name, client_file.content_type)


class ClientProductViewSet(OwnedModelViewSet):
    queryset = ClientProduct.objects.all()
    serializer_class = ClientProductSerializer
    filterset_class = ClientProductFilter
    search_fields = ["name"]
    ordering_fields = ["start_date", "end_date", "next_billing_date", "price", "created_at"]
    ordering = ["-start_date", "-created_at"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        client = data.pop("client")
        serializer.instance = services.client_product_create(user=self.request.user, client=client, **data)

    def perform_update(self, serializer):
        data = services.client_product_fields_from_catalogue(fields=dict(serializer.validated_data))
        serializer.save(**data)


class ClientActivityViewSet(OwnedModelViewSet):
    queryset = ClientActivity.objects.select_related("user")
    serializer_class = ClientActivitySerializer
    filterset_class = ClientActivityFilter
    search_fields = ["title", "description"]
    ordering_fields = ["scheduled_at", "created_at"]
    ordering = ["-scheduled_at"]


class ClientEmailViewSet(OwnedModelViewSet):
    """E-mails exchanged with a client outside campaigns, logged with their attachments."""

    queryset = ClientEmail.objects.select_related("user").prefetch_related(
        Prefetch(
            "attachments", queryset=ClientEmailAttachment.objects.order_by("created_at"), to_attr="attachment_list"
        )
    )
    serializer_class = ClientEmailRecordSerializer
    filterset_class = ClientEmailFilter
    search_fields = ["subject", "content", "from_email", "to_email"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at"]
    parser_classes = [BoundedJSONParser, MultiPartParser, FormParser]

    @extend_schema(
        request={"application/json": ClientEmailRecordSerializer, "multipart/form-data": ClientEmailRecordSerializer},
        responses={201: ClientEmailRecordSerializer, 413: OpenApiResponse(description="An attachment is too large")},
    )
    def create(self, request, *args, **kwargs):
        upload_limit_guard(request, limit=settings.CLIENT_FILE_MAX_BYTES, max_files=MAX_EMAIL_ATTACHMENTS)
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        uploads = data.pop("attachments_upload", [])
        client = data.pop("client")
        serializer.instance = services.client_email_create(
            user=self.request.user, client=client, attachments=uploads, **data
        )

    def perform_update(self, serializer):
        if serializer.validated_data.get("attachments_upload"):
            raise ValidationError({"upload_attachments": [_("Attachments are added when the e-mail is logged.")]})
        serializer.validated_data.pop("attachments_upload", None)
        serializer.save()


class ClientEmailAttachmentViewSet(
    OwnedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Attachments of the user's logged e-mails: read, download, delete (added with the e-mail)."""

    owner_field = "email__user"
    queryset = ClientEmailAttachment.objects.all()
    serializer_class = ClientEmailAttachmentRecordSerializer
    filterset_class = ClientEmailAttachmentFilter
    search_fields = ["name"]
    ordering_fields = ["created_at", "name", "size"]
    ordering = ["-created_at"]

    @FILE_DOWNLOAD_SCHEMA
    @action(detail=True, methods=["get"], renderer_classes=file_renderers("*/*"))
    def download(self, request, pk=None):
        attachment = self.get_object()
        return stored_file_response(attachment.file, attachment.name, attachment.content_type)
