from rest_framework.routers import DefaultRouter

from .views import CampaignTemplateViewSet, CampaignViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("campaign-templates", CampaignTemplateViewSet, basename="campaign-template")
router.register("campaigns", CampaignViewSet, basename="campaign")

urlpatterns = router.urls
