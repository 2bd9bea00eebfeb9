from django.urls import path
from rest_framework.routers import DefaultRouter

from .views import DuplicateSuggestionViewSet, EnrichmentRunViewSet, IdealCustomerProfileView, LeadIntelligenceViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
# Only detail actions (leads/{id}/enrich/ …): nothing here shadows the leads app's own routes.
router.register("leads", LeadIntelligenceViewSet, basename="lead-intelligence")
router.register("enrichment-runs", EnrichmentRunViewSet, basename="enrichment-run")
router.register("lead-duplicates", DuplicateSuggestionViewSet, basename="lead-duplicate")

urlpatterns = [
    path("ideal-customer-profile/", IdealCustomerProfileView.as_view(), name="ideal-customer-profile"),
    *router.urls,
]
