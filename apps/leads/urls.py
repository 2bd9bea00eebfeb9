from rest_framework.routers import DefaultRouter

from .views import LeadListViewSet, LeadViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("leads", LeadViewSet, basename="lead")
router.register("lead-lists", LeadListViewSet, basename="lead-list")

urlpatterns = router.urls
