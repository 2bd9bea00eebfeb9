from rest_framework.routers import DefaultRouter

from .views import MailboxViewSet, OutboxMessageViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("outbox", OutboxMessageViewSet, basename="outbox-message")
router.register("mailboxes", MailboxViewSet, basename="mailbox")

urlpatterns = router.urls
