from django.urls import path
from rest_framework.routers import DefaultRouter

from .views import ConsentEventViewSet, OptInConfirmView

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("consent/events", ConsentEventViewSet, basename="consent-event")

urlpatterns = [
    path("consent/confirm/<str:token>/", OptInConfirmView.as_view(), name="consent-opt-in-confirm"),
    *router.urls,
]
