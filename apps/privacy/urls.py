from django.urls import path
from rest_framework.routers import DefaultRouter

from .views import EraseView, ExportView, PrivacyRequestViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("privacy/requests", PrivacyRequestViewSet, basename="privacy-request")

urlpatterns = [
    path("privacy/export/", ExportView.as_view(), name="privacy-export"),
    path("privacy/erase/", EraseView.as_view(), name="privacy-erase"),
    *router.urls,
]
