"""/api/opportunities/: a user's sales opportunities, their status moves and the pipeline board."""

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from common.views import OwnedModelViewSet

from .filters import OpportunityFilter
from .models import Opportunity, OpportunityStatusChange
from .selectors import opportunity_pipeline
from .serializers import (
    OpportunityChangeStatusSerializer,
    OpportunityDetailSerializer,
    OpportunitySerializer,
    PipelineSerializer,
)
from .services import opportunity_change_status


class OpportunityViewSet(OwnedModelViewSet):
    """Your sales opportunities. A status set by create/update or change-status is kept in the history."""

    queryset = Opportunity.objects.select_related("lead", "user")
    filterset_class = OpportunityFilter
    search_fields = ["name", "notes", "source", "lead__name"]
    ordering_fields = ["name", "created_at", "updated_at", "value", "expected_close_date", "status"]
    ordering = ["-created_at"]

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action in ("list", "pipeline"):
            return queryset
        return queryset.prefetch_related(
            Prefetch("status_changes", queryset=OpportunityStatusChange.objects.select_related("user"))
        )

    def get_serializer_class(self):
        if self.action in ("list", "create"):
            return OpportunitySerializer
        return OpportunityDetailSerializer

    @extend_schema(
        request=OpportunityChangeStatusSerializer,
        responses={200: OpportunityDetailSerializer, 400: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT},
        description="Move the opportunity to another status; the move is kept in `status_changes` with "
        "its time and optional note. 400 for an unknown status, 409 if it already has that status.",
    )
    @action(detail=True, methods=["post"], url_path="change-status")
    def change_status(self, request, pk=None):
        opportunity = self.get_object()
        body = OpportunityChangeStatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        opportunity = opportunity_change_status(opportunity=opportunity, user=request.user, **body.validated_data)
        opportunity = self.get_queryset().get(pk=opportunity.pk)
        return Response(OpportunityDetailSerializer(opportunity, context=self.get_serializer_context()).data)

    @extend_schema(
        filters=True,
        responses=PipelineSerializer,
        description="Count and total value per status for the board, every status present (zeros "
        "included); the list's filters narrow it (e.g. ?source=campaign).",
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def pipeline(self, request):
        board = opportunity_pipeline(queryset=self.filter_queryset(self.get_queryset()))
        return Response(PipelineSerializer(board).data)
