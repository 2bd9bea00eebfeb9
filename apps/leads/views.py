"""/api/leads/ and /api/lead-lists/: a user's own leads and lists of them (another user's answer 404)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.response import Response

from common.pagination import StandardPagination
from common.serializers import LeadIdsSerializer, lead_ids_parse
from common.views import OwnedModelViewSet

from .filters import LeadFilter
from .models import Lead, LeadList
from .selectors import LeadIdsWindow, lead_list_members, lead_list_page_rows, lead_list_with_counts
from .serializers import LeadListChangeSerializer, LeadListDetailSerializer, LeadListSerializer, LeadSerializer
from .services import lead_delete, lead_list_add_leads, lead_list_remove_leads

DUPLICATE_NUMBER_400 = (
    "Validation error, e.g. a lead with the same corporation_number or business_number already exists: "
    '{"business_number": ["You already have a lead with this business number: lead <id>."], '
    '"existing_lead_id": ["<id>"]}'
)


@extend_schema_view(
    create=extend_schema(responses={201: LeadSerializer, 400: OpenApiTypes.OBJECT}, description=DUPLICATE_NUMBER_400),
    update=extend_schema(responses={200: LeadSerializer, 400: OpenApiTypes.OBJECT}, description=DUPLICATE_NUMBER_400),
    partial_update=extend_schema(
        responses={200: LeadSerializer, 400: OpenApiTypes.OBJECT}, description=DUPLICATE_NUMBER_400
    ),
    destroy=extend_schema(description="Delete the lead; it is removed from every lead list at the same time."),
)
class LeadViewSet(OwnedModelViewSet):
    """Your leads. A corporation or business number you already hold on another lead is a 400."""

    queryset = Lead.objects.select_related("industry", "user")
    serializer_class = LeadSerializer
    filterset_class = LeadFilter
    search_fields = ["name", "owner", "email", "phone"]
    ordering_fields = ["name", "created_at", "updated_at", "employee", "revenue", "established_date", "score"]
    ordering = ["-created_at"]

    def perform_destroy(self, instance):
        lead_delete(lead=instance)


@extend_schema_view(
    retrieve=extend_schema(
        responses=LeadListDetailSerializer,
        description="The list with all its `lead_ids` and `lead_count`, and one page of its leads in list "
        "order under `leads` (`{count, next, previous, page_size, results}`); `page` and `page_size` "
        "(max 100) choose the page.",
        parameters=[
            OpenApiParameter("page", int, description="Page of the list's leads (from 1)."),
            OpenApiParameter("page_size", int, description="Leads per page (default 20, max 100)."),
        ],
    ),
)
class LeadListViewSet(OwnedModelViewSet):
    """Your lead lists: ordered sets of your own leads that campaigns send to."""

    queryset = LeadList.objects.select_related("user")
    serializer_class = LeadListSerializer
    search_fields = ["name", "description"]
    ordering_fields = ["name", "created_at", "updated_at", "lead_count"]
    ordering = ["-created_at"]

    def get_queryset(self):
        queryset = lead_list_with_counts(super().get_queryset())
        return lead_list_page_rows(queryset) if self.action == "list" else queryset

    def retrieve(self, request, *args, **kwargs):
        lead_list = self.get_object()
        paginator = StandardPagination()
        window = LeadIdsWindow(lead_list, lead_list.lead_count)
        page_ids = paginator.paginate_queryset(window, request, view=self)
        leads = lead_list_members(lead_list=lead_list, lead_ids=page_ids)
        leads_page = {
            "count": paginator.page.paginator.count,
            "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(),
            "page_size": paginator.effective_page_size,
            "results": LeadSerializer(leads, many=True, context=self.get_serializer_context()).data,
        }
        context = {**self.get_serializer_context(), "leads_page": leads_page}
        return Response(LeadListDetailSerializer(lead_list, context=context).data)

    def _change_response(self, change) -> Response:
        return Response(LeadListChangeSerializer(change, context=self.get_serializer_context()).data)

    @extend_schema(
        request=LeadIdsSerializer,
        responses={200: LeadListChangeSerializer, 400: OpenApiTypes.OBJECT},
        description="Append your own leads to the list in the given order. Repeats, leads already in "
        "the list and ids that are not your leads change nothing and are reported in `ignored_ids`.",
    )
    @action(detail=True, methods=["post"], url_path="add-leads")
    def add_leads(self, request, pk=None):
        lead_list = self.get_object()
        change = lead_list_add_leads(lead_list=lead_list, lead_ids=lead_ids_parse(request.data))
        return self._change_response(change)

    @extend_schema(
        request=LeadIdsSerializer,
        responses={200: LeadListChangeSerializer, 400: OpenApiTypes.OBJECT},
        description="Remove leads from the list; the rest keep their order. Ids not in the list are "
        "reported in `ignored_ids`.",
    )
    @action(detail=True, methods=["post"], url_path="remove-leads")
    def remove_leads(self, request, pk=None):
        lead_list = self.get_object()
        change = lead_list_remove_leads(lead_list=lead_list, lead_ids=lead_ids_parse(request.data))
        return self._change_response(change)
