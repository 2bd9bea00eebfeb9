"""/api/salesone-leads/: search the national company database (any authenticated user, read-only),
one company by corporation number, and import companies into the asking user's leads."""

from django.http import Http404
from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.views import OwnedQuerysetMixin

from .filters import SalesOneLeadFilter
from .models import ImportJob, SalesOneLead
from .pagination import SalesOneLeadPagination
from .selectors import salesone_lead_get, salesone_lead_search
from .serializers import (
    ImportJobSerializer,
    ImportQueuedSerializer,
    ImportResultSerializer,
    SalesOneLeadDetailSerializer,
    SalesOneLeadImportSerializer,
    SalesOneLeadSerializer,
)
from .services import salesone_import_start


@extend_schema_view(
    list=extend_schema(summary="Search the national company database"),
    retrieve=extend_schema(
        summary="One company by corporation number",
        parameters=[OpenApiParameter("corporation_number", str, OpenApiParameter.PATH, pattern=r"^\d{13}$")],
    ),
)
class SalesOneLeadViewSet(viewsets.ReadOnlyModelViewSet):
    """The national company database: every authenticated user searches it; nobody writes it here."""

    queryset = SalesOneLead.objects.all()
    serializer_class = SalesOneLeadSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = SalesOneLeadFilter
    pagination_class = SalesOneLeadPagination
    lookup_field = "corporation_number"
    lookup_value_regex = r"\d{13}"

    def get_serializer_class(self):
        if self.action == "retrieve":
            return SalesOneLeadDetailSerializer
        if self.action == "import_leads":
            return SalesOneLeadImportSerializer
        return SalesOneLeadSerializer

    def list(self, request, *args, **kwargs):
        filters = SalesOneLeadFilter(request.query_params, queryset=self.queryset, request=request).clean_filters()
        search = salesone_lead_search(filters=filters, user=request.user)
        # Industries, keywords and `imported` of the page in one query after it: a join is planned
        # before the sort, over every match of a broad text search (the planner cannot estimate how
        # many the ILIKE keeps).
        search.with_details()
        page = self.paginator.paginate_search(search, request)
        return self.paginator.get_paginated_response(self.get_serializer(page, many=True).data)

    def get_object(self):
        company = salesone_lead_get(corporation_number=self.kwargs["corporation_number"], user=self.request.user)
        company = company.first()
        if company is None:
            raise Http404
        return company

    @extend_schema(
        summary="Import companies into your leads",
        request=SalesOneLeadImportSerializer,
        responses={
            201: ImportResultSerializer,
            202: OpenApiResponse(ImportQueuedSerializer, description="large import queued; poll status_url"),
            400: OpenApiResponse(description="invalid body"),
        },
    )
    @action(detail=False, methods=["post"], url_path="import", url_name="import")
    def import_leads(self, request):
        serializer = SalesOneLeadImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = salesone_import_start(user=request.user, **serializer.validated_data)
        if isinstance(result, ImportJob):
            url = request.build_absolute_uri(reverse("salesone-import-job-detail", args=[result.pk]))
            body = {
                "job_id": result.pk,
                "status": result.status,
                "total": result.total,
                "lead_list_id": result.lead_list_id,
                "status_url": url,
            }
            return Response(ImportQueuedSerializer(body).data, status=status.HTTP_202_ACCEPTED)
        body = {
            "created": result.created,
            "skipped": result.skipped,
            "not_found": result.not_found,
            "lead_list_id": result.lead_list_id,
        }
        return Response(ImportResultSerializer(body).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Your import jobs"),
    retrieve=extend_schema(summary="Status and progress of an import job"),
)
class ImportJobViewSet(OwnedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Imports that run on the worker: status, counts and progress (your own jobs only)."""

    queryset = ImportJob.objects.all()
    serializer_class = ImportJobSerializer
    filter_backends: list = []
