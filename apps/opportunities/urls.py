from rest_framework.routers import DefaultRouter

from .views import OpportunityViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("opportunities", OpportunityViewSet, basename="opportunity")

urlpatterns = router.urls
