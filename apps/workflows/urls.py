from django.urls import path
from rest_framework.routers import DefaultRouter

from .views import WorkflowExecutionViewSet, WorkflowHookView, WorkflowViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("workflows", WorkflowViewSet, basename="workflow")
router.register("workflow-executions", WorkflowExecutionViewSet, basename="workflow-execution")

urlpatterns = [
    path("workflows/<uuid:workflow_id>/hooks/<str:secret>/", WorkflowHookView.as_view(), name="workflow-hook"),
    *router.urls,
]
