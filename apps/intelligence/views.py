"""/api/leads/{id}/enrich|score|insights/, /api/enrichment-runs/ and /api/ideal-customer-profile/."""

from django.conf import settings
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import RetrieveUpdateAPIView
from rest_framework.response import Response

from apps.leads.models import Lead
from apps.leads.selectors import lead_list_get
from common.views import OwnedQuerysetMixin

from .hygiene import duplicate_merge
from .models import DuplicateSuggestion, EnrichmentRun, LeadHygiene
from .selectors import lead_insights, lead_score
from .serializers import (
    BulkEnrichRequestSerializer,
    BulkEnrichResponseSerializer,
    DuplicateMergeSerializer,
    DuplicateSuggestionSerializer,
    EnrichmentRunSerializer,
    IdealCustomerProfileSerializer,
    LeadHygieneSerializer,
    LeadInsightsSerializer,
    LeadScoreSerializer,
    MergedLeadSerializer,
)
from .services import ideal_customer_profile_get, ideal_customer_profile_update, leads_enrich


class LeadIntelligenceViewSet(OwnedQuerysetMixin, viewsets.GenericViewSet):
    """Enrichment, score and insights of one of your leads."""

    queryset = Lead.objects.select_related("industry")
    serializer_class = EnrichmentRunSerializer
    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        request=None,
        responses={202: EnrichmentRunSerializer},
        description="Queue an enrichment of the lead (national DB, NTS status, homepage, as configured); "
        "the run is answered at once with status queued. Follow it under /api/enrichment-runs/{id}/.",
    )
    @action(detail=True, methods=["post"])
    def enrich(self, request, pk=None):
        lead = self.get_object()
        (run,) = leads_enrich(user_id=request.user.pk, lead_ids=[lead.pk], trigger=EnrichmentRun.Trigger.MANUAL)
        return Response(EnrichmentRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        responses={200: LeadScoreSerializer},
        description="The lead's score (0–100) with each term, its weight and the events behind it; the "
        "terms' points add up to the score. Null before the first scoring.",
    )
    @action(detail=True, methods=["get"])
    def score(self, request, pk=None):
        return Response(LeadScoreSerializer(lead_score(lead=self.get_object())).data)

    @extend_schema(
        responses={200: LeadInsightsSerializer},
        description="What the company does, its business status, its engagement so far (human events only) "
        "and a suggested next step, written by the insights backend (INSIGHTS_BACKEND; rule-based by default) "
        "in the request's language. Cached until an input changes. Never waits on a model: with an LLM "
        "backend the first answer is the rule-based one with `insight_status` pending while a worker asks "
        "the model; ask again for `ready`, or `fallback` with `fallback_reason` when the model failed.",
    )
    @action(detail=True, methods=["get"])
    def insights(self, request, pk=None):
        return Response(LeadInsightsSerializer(lead_insights(lead=self.get_object())).data)

    @extend_schema(
        responses={200: LeadHygieneSerializer},
        description="The data problems the nightly hygiene check found (check digits, e-mail syntax, a "
        "domain without MX, the phone number's format); 404 before the lead's first check.",
    )
    @action(detail=True, methods=["get"])
    def hygiene(self, request, pk=None):
        hygiene = LeadHygiene.objects.filter(lead=self.get_object()).first()
        if hygiene is None:
            raise NotFound(_("This lead has not been checked yet."))
        return Response(LeadHygieneSerializer(hygiene).data)


class EnrichmentRunFilter(filters.FilterSet):
    # A plain UUID, not a choice among leads: a model choice looked the id up among every user's leads,
    # so another user's lead answered 400 and a missing one an empty list (it told that the id exists).
    # Both are now an empty list (the queryset is already yours only); a malformed id is still a 400.
    lead = filters.UUIDFilter(field_name="lead_id", help_text="Runs of this lead of yours.")
    status = filters.ChoiceFilter(choices=EnrichmentRun.Status.choices)
    trigger = filters.ChoiceFilter(choices=EnrichmentRun.Trigger.choices)

    class Meta:
        model = EnrichmentRun
        fields = ["lead", "status", "trigger"]


class EnrichmentRunViewSet(
    OwnedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Your enrichment runs, newest first; POST queues runs for many leads at once."""

    queryset = EnrichmentRun.objects.all()
    serializer_class = EnrichmentRunSerializer
    filterset_class = EnrichmentRunFilter
    ordering_fields = ["created_at", "finished_at"]
    ordering = ["-created_at"]

    @extend_schema(
        request=BulkEnrichRequestSerializer,
        responses={202: BulkEnrichResponseSerializer},
        description="Queue an enrichment of many of your leads: `lead_ids`, or every lead of `lead_list_id`. "
        "Ids that are not your leads are skipped. At most ENRICHMENT_BULK_MAX_LEADS leads (400 above).",
    )
    def create(self, request):
        body = BulkEnrichRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        lead_ids = body.validated_data.get("lead_ids")
        if lead_ids is None:
            lead_list = lead_list_get(user=request.user, lead_list_id=body.validated_data["lead_list_id"])
            if lead_list is None:
                raise ValidationError({"lead_list_id": [_("No lead list of yours has this id.")]})
            lead_ids = lead_list.lead_ids
        limit = settings.ENRICHMENT_BULK_MAX_LEADS
        if len(lead_ids) > limit:
            raise ValidationError(
                {"lead_ids": [_("At most %(limit)d leads can be enriched in one request.") % {"limit": limit}]}
            )
        runs = leads_enrich(user_id=request.user.pk, lead_ids=lead_ids, trigger=EnrichmentRun.Trigger.MANUAL)
        data = {"queued": len(runs), "run_ids": [run.pk for run in runs]}
        return Response(BulkEnrichResponseSerializer(data).data, status=status.HTTP_202_ACCEPTED)


class IdealCustomerProfileView(RetrieveUpdateAPIView):
    """Your ideal-customer profile: the fit half of every lead score. A change rescores your leads."""

    serializer_class = IdealCustomerProfileSerializer

    def get_object(self):
        return ideal_customer_profile_get(user=self.request.user)

    def perform_update(self, serializer):
        serializer.instance = ideal_customer_profile_update(user=self.request.user, **serializer.validated_data)


class DuplicateSuggestionFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=DuplicateSuggestion.Status.choices)
    rule = filters.ChoiceFilter(choices=DuplicateSuggestion.Rule.choices)

    class Meta:
        model = DuplicateSuggestion
        fields = ["status", "rule"]


class DuplicateSuggestionViewSet(
    OwnedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Pairs of your leads that look like one company, found nightly; ``rule`` says why: the same
    corporation or business number (digits only, valid check digit), a corporation and a business
    number of one company in the SalesOne DB, or the same name in the same province."""

    queryset = DuplicateSuggestion.objects.all()
    serializer_class = DuplicateSuggestionSerializer
    filterset_class = DuplicateSuggestionFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at"]

    @extend_schema(
        request=DuplicateMergeSerializer,
        responses={200: MergedLeadSerializer},
        description="Merge the pair into `keep`: its empty fields are filled from the other lead, the other's "
        "campaign results, opportunities and list memberships move to it, and the other is deleted. "
        "409 when the suggestion is no longer open.",
    )
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        suggestion = self.get_object()  # another user's: 404 before the body is read
        body = DuplicateMergeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        lead = duplicate_merge(suggestion=suggestion, keep_id=body.validated_data["keep"])
        return Response(MergedLeadSerializer({"lead_id": lead.pk}).data)

    @extend_schema(request=None, responses={200: DuplicateSuggestionSerializer}, description="Not a duplicate.")
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        suggestion = self.get_object()
        DuplicateSuggestion.objects.filter(pk=suggestion.pk, status=DuplicateSuggestion.Status.OPEN).update(
            status=DuplicateSuggestion.Status.DISMISSED
        )
        suggestion.refresh_from_db()
        return Response(DuplicateSuggestionSerializer(suggestion).data)
