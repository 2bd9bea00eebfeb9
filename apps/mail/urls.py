from rest_framework.routers import DefaultRouter

from .views import OutboxMessageViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("outbox", OutboxMessageViewSet, basename="outbox-message")

urlpatterns = router.urls
