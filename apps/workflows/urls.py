from rest_framework.routers import DefaultRouter

from .views import WorkflowExecutionViewSet, WorkflowViewSet

# The inbound hook's route is in hook_urls.py, which salesone/urls.py lists first.
router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("workflows", WorkflowViewSet, basename="workflow")
router.register("workflow-executions", WorkflowExecutionViewSet, basename="workflow-execution")

urlpatterns = router.urls
