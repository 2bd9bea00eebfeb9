from django.urls import path
from rest_framework.routers import DefaultRouter

from .views import ConsentEventViewSet, LeadImportView, OptInConfirmView

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("consent/events", ConsentEventViewSet, basename="consent-event")

urlpatterns = [
    # salesone/urls.py includes this module before the leads router (whose leads/{pk}/ would catch it).
    path("leads/import/", LeadImportView.as_view(), name="lead-import"),
    path("consent/confirm/<str:token>/", OptInConfirmView.as_view(), name="consent-opt-in-confirm"),
    *router.urls,
]
