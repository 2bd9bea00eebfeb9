"""/api/sequences/: thin views over services and selectors."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from common.exceptions import Conflict
from common.filters import filterset_errors, known_parameters, reject_unknown_parameters
from common.pagination import StandardPagination
from common.serializers import LeadIdsSerializer, lead_ids_parse
from common.views import OwnedModelViewSet

from . import selectors, services
from .models import Enrollment, Sequence
from .serializers import EnrollmentSerializer, LeadsChangedSerializer, SequenceSerializer, SequenceStatsSerializer


class SequenceFilter(filters.FilterSet):
    class Meta:
        model = Sequence
        fields = ["status", "is_advertising"]


class EnrollmentFilter(filters.FilterSet):
    state = filters.ChoiceFilter(choices=Enrollment.State.choices)
    stop_reason = filters.ChoiceFilter(choices=[c for c in Enrollment.StopReason.choices if c[0]])

    class Meta:
        model = Enrollment
        fields = ["state", "stop_reason"]


class EnrollmentPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    page_size = serializers.IntegerField()
    results = EnrollmentSerializer(many=True)


class SequenceViewSet(OwnedModelViewSet):
    queryset = Sequence.objects.select_related("user").prefetch_related("leadlists", "mailboxes", "steps__variants")
    serializer_class = SequenceSerializer
    filterset_class = SequenceFilter
    search_fields = ["name"]
    ordering_fields = ["name", "created_at", "started_at", "status"]
    ordering = ["-created_at"]

    def perform_destroy(self, instance):
        if instance.status == Sequence.Status.ACTIVE:
            raise Conflict(_("Pause the sequence before deleting it."))
        instance.delete()

    @extend_schema(
        request=None,
        responses={200: SequenceSerializer},
        description="draft → active: enrols the leads of its lists. 409 when it cannot start.",
    )
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        sequence = services.sequence_start(sequence=self.get_object())
        return Response(self.get_serializer(self.get_queryset().get(pk=sequence.pk)).data)

    @extend_schema(request=None, responses={200: SequenceSerializer}, description="active → paused. 409 otherwise.")
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        sequence = services.sequence_pause(sequence=self.get_object())
        return Response(self.get_serializer(self.get_queryset().get(pk=sequence.pk)).data)

    @extend_schema(
        request=None,
        responses={200: SequenceSerializer},
        description="paused → active; a step campaign that failed (see paused_reason) sends its waiting e-mails "
        "again. 409 otherwise.",
    )
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        sequence = services.sequence_resume(sequence=self.get_object())
        return Response(self.get_serializer(self.get_queryset().get(pk=sequence.pk)).data)

    @extend_schema(
        request=LeadIdsSerializer,
        responses={200: LeadsChangedSerializer},
        description="Enrol your leads (a draft keeps them for the start). Leads without an address, or with one "
        "already enrolled, are skipped. 409 on a completed sequence.",
    )
    @action(detail=True, methods=["post"], url_path="add-leads")
    def add_leads(self, request, pk=None):
        sequence = self.get_object()  # another user's sequence: 404 before the body is read
        changed = services.sequence_add_leads(sequence=sequence, lead_ids=lead_ids_parse(request.data))
        return Response({"changed": changed})

    @extend_schema(
        request=LeadIdsSerializer,
        responses={200: LeadsChangedSerializer},
        description="Stop the leads' enrolments (stop reason: manual); no further step is sent to them. Waits for "
        "a scheduling pass of the sequence that is running, so a step being written is never sent after it.",
    )
    @action(detail=True, methods=["post"], url_path="remove-leads")
    def remove_leads(self, request, pk=None):
        sequence = self.get_object()  # another user's sequence: 404 before the body is read
        changed = services.enrollments_stop(sequence=sequence, lead_ids=lead_ids_parse(request.data))
        return Response({"changed": changed})

    @extend_schema(
        parameters=[
            OpenApiParameter("state", OpenApiTypes.STR, enum=Enrollment.State.values),
            OpenApiParameter("stop_reason", OpenApiTypes.STR, enum=[v for v in Enrollment.StopReason.values if v]),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT),
        ],
        responses={200: EnrollmentPageSerializer},
        description="The sequence's leads, one enrolment each: the next step, when, and why it stopped. "
        "An unknown state, stop reason or parameter is a 400.",
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def enrollments(self, request, pk=None):
        sequence = self.get_object()
        query = EnrollmentFilter(request.query_params, queryset=Enrollment.objects.none())
        reject_unknown_parameters(request.query_params, known_parameters(query))
        errors = filterset_errors(query)
        if errors:
            raise serializers.ValidationError(errors)
        wanted = {k: v for k, v in query.form.cleaned_data.items() if v}
        rows = (
            Enrollment.objects.filter(sequence=sequence, **wanted).select_related("lead").order_by("created_at", "id")
        )
        paginator = StandardPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(EnrollmentSerializer(page, many=True).data)

    @extend_schema(
        responses={200: SequenceStatsSerializer},
        description="Enrolments by state and stop reason; per step and per variant: sent, human opens and "
        "clicks, replies, bounces, rates, and a two-proportion test of each variant against the first.",
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def stats(self, request, pk=None):
        return Response(SequenceStatsSerializer(selectors.sequence_stats(sequence=self.get_object())).data)
