from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("clients", views.ClientViewSet, basename="client")
router.register("client-notes", views.ClientNoteViewSet, basename="client-note")
router.register("client-files", views.ClientFileViewSet, basename="client-file")
router.register("client-products", views.ClientProductViewSet, basename="client-product")
router.register("client-activities", views.ClientActivityViewSet, basename="client-activity")
router.register("client-emails", views.ClientEmailViewSet, basename="client-email")
router.register("client-email-attachments", views.ClientEmailAttachmentViewSet, basename="client-email-attachment")

urlpatterns = router.urls
