from rest_framework.routers import DefaultRouter

from .views import ImportJobViewSet, SalesOneLeadViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("salesone-leads/import-jobs", ImportJobViewSet, basename="salesone-import-job")
router.register("salesone-leads", SalesOneLeadViewSet, basename="salesone-lead")

urlpatterns = router.urls
