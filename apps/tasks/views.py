"""/api/tasks/: a task is visible to, and changed by, its assignee and its creator; others get 404.
Who may change what (assignment within a team, creator-only fields, running workflows): tasks.services."""

from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.filters import reject_unknown_parameters

from . import workflows_seam
from .filters import TaskFilter
from .selectors import task_analytics_cached, task_analytics_tasks, task_queryset_with_executions
from .serializers import (
    TaskAnalyticsQuerySerializer,
    TaskAnalyticsSerializer,
    TaskChangeStatusSerializer,
    TaskReminderPreferenceSerializer,
    TaskSerializer,
)
from .services import (
    task_change_status,
    task_create,
    task_delete,
    task_reminder_preference_get,
    task_reminder_preference_set,
    task_run_workflows,
    task_update,
)


class TaskViewSet(viewsets.ModelViewSet):
    serializer_class = TaskSerializer
    filterset_class = TaskFilter
    search_fields = ["name", "body"]
    ordering_fields = ["due_date", "created_at", "updated_at", "status", "name"]
    ordering = ["due_date", "-created_at"]
    # No index orders "assignee OR creator": sort the ids, then join the page's 100 rows (issue 18:
    # 30 → 12 ms of SQL for 10,000 tasks on a loaded machine; common/pagination.py).
    paginate_ids_first = True

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return task_queryset_with_executions().none()
        user = self.request.user
        return task_queryset_with_executions().filter(Q(assignee=user) | Q(created_by=user))

    def perform_create(self, serializer):
        serializer.instance = task_create(user=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = task_update(task=serializer.instance, user=self.request.user, **serializer.validated_data)

    def perform_destroy(self, instance):
        task_delete(task=instance, user=self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        task = self.get_queryset().get(pk=serializer.instance.pk)
        return Response(self.get_serializer(task).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=TaskChangeStatusSerializer,
        responses={200: TaskSerializer, 400: OpenApiResponse(description="Not one of the task statuses")},
    )
    @action(detail=True, methods=["post"], url_path="change-status")
    def change_status(self, request, pk=None):
        """Set the status; completing a repetitive task creates its next occurrence."""
        task = self.get_object()  # another user's task is 404 before its body is looked at
        body = TaskChangeStatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        task = task_change_status(task=task, status=body.validated_data["status"], user=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=task.pk)).data)

    @extend_schema(
        request=None,
        responses={
            202: workflows_seam.TaskExecuteWorkflowResponseSerializer(),
            403: OpenApiResponse(description="Not the creator, and the creator has not allowed the assignee"),
            409: OpenApiResponse(description="No linked workflow is active, or they are already running"),
        },
    )
    @action(detail=True, methods=["post"], url_path="execute-workflow")
    def execute_workflow(self, request, pk=None):
        """Start every active workflow the creator linked to the task with workflow_data[workflow_id] as
        input; the task moves to in_progress, then completed or failed as the executions finish. The
        creator may run them; the assignee only when the creator set assignee_may_run_workflows."""
        task = self.get_object()
        executions = list(task_run_workflows(task=task, user=request.user))
        task = self.get_queryset().get(pk=task.pk)
        return Response(
            {
                "task": self.get_serializer(task).data,
                "executions": workflows_seam.execution_summaries_data(executions),
            },
            status=status.HTTP_202_ACCEPTED,
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("period", str, enum=["day", "week", "month"], description="Default: week (from Monday)"),
            OpenApiParameter("start", OpenApiTypes.DATE, description="First day (Asia/Seoul); default 12 weeks back"),
            OpenApiParameter("end", OpenApiTypes.DATE, description="Last day (Asia/Seoul); default today"),
            OpenApiParameter("team", int, description="One of your teams (Django group): its tasks instead of yours"),
        ],
        responses={200: TaskAnalyticsSerializer},
        description=(
            "Per assignee and period: created, completed, overdue, median hours to complete and on-time rate, "
            "over the tasks you are assigned or created (or a team's). Cached in Redis for a few minutes "
            "(generated_at). Another parameter, or a span longer than TASK_ANALYTICS_MAX_DAYS, is a 400."
        ),
        filters=False,
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def analytics(self, request):
        reject_unknown_parameters(request.query_params, {"period", "start", "end", "team"})
        query = TaskAnalyticsQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        tasks = task_analytics_tasks(user=request.user, team=query.validated_data.get("team"))
        answer = task_analytics_cached(tasks=tasks, scope=f"api:{request.user.pk}", **query.validated_data)
        return Response(TaskAnalyticsSerializer(answer).data)

    @extend_schema(
        methods=["GET"],
        responses={200: TaskReminderPreferenceSerializer},
        description="How you are reminded of your tasks (the defaults until you choose).",
    )
    @extend_schema(
        methods=["PUT", "PATCH"],
        request=TaskReminderPreferenceSerializer,
        responses={200: TaskReminderPreferenceSerializer},
        description="Choose the lead time (days before the due date) and the channels of your reminders.",
    )
    @action(
        detail=False,
        methods=["get", "put", "patch"],
        url_path="reminder-settings",
        filter_backends=[],
        pagination_class=None,
    )
    def reminder_settings(self, request):
        preference = task_reminder_preference_get(user=request.user)
        if request.method == "GET":
            return Response(TaskReminderPreferenceSerializer(preference).data)
        body = TaskReminderPreferenceSerializer(preference, data=request.data, partial=request.method == "PATCH")
        body.is_valid(raise_exception=True)
        preference = task_reminder_preference_set(user=request.user, **body.validated_data)
        return Response(TaskReminderPreferenceSerializer(preference).data)
