from rest_framework.routers import DefaultRouter

from .views import SequenceViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("sequences", SequenceViewSet, basename="sequence")

urlpatterns = router.urls
