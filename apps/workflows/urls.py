from django.urls import path
from rest_framework.routers import DefaultRouter

from .views import WorkflowExecutionViewSet, WorkflowHookView, WorkflowViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("workflows", WorkflowViewSet, basename="workflow")
router.register("workflow-executions", WorkflowExecutionViewSet, basename="workflow-execution")

# The inbound hook is machine traffic at volume: salesone/urls.py lists it before every app's
# routes, so resolving it does not try the ~90 API patterns in front of it (~0.2 ms a request).
hook_urlpatterns = [
    path("workflows/<uuid:workflow_id>/hooks/<str:secret>/", WorkflowHookView.as_view(), name="workflow-hook"),
]

urlpatterns = router.urls
