from django.urls import path
from rest_framework.routers import DefaultRouter

from .views import SenderDomainViewSet, SpamCheckView

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("sender-domains", SenderDomainViewSet, basename="sender-domain")

urlpatterns = [
    path("deliverability/spam-check/", SpamCheckView.as_view(), name="spam-check"),
    *router.urls,
]
