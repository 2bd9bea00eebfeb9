"""The seam from tasks up to workflows: the one module of this app that names apps.workflows.

tasks sits below workflows (a workflow's nodes create tasks and change their status through
tasks.services), yet a task links its creator's workflows, lists their runs and starts them. Those
needs go through the names here: each function imports apps.workflows in its body, and the two
serializers are drf-spectacular's lazy references, loaded at first use, so importing tasks never
imports workflows. The shapes and rules themselves stay in apps.workflows.
"""

from drf_spectacular.helpers import lazy_serializer

# A task's workflow runs on the wire (apps/workflows/serializers.py): for schema annotations.
TaskWorkflowExecutionSerializer = lazy_serializer("apps.workflows.serializers.TaskWorkflowExecutionSerializer")
TaskExecuteWorkflowResponseSerializer = lazy_serializer(
    "apps.workflows.serializers.TaskExecuteWorkflowResponseSerializer"
)


def task_executions_json():
    """Subquery annotating a Task queryset with its executions as one JSON array (workflows.selectors)."""
    from apps.workflows.selectors import task_executions_json

    return task_executions_json()


def task_executions_data(executions) -> list[dict]:
    """``executions`` (WorkflowExecution rows) as a task shows them: id, workflow, status, times."""
    from apps.workflows.serializers import TaskWorkflowExecutionSerializer

    return TaskWorkflowExecutionSerializer(executions, many=True).data


def execution_summaries_data(executions) -> list[dict]:
    """``executions`` as execute-workflow answers them: id, workflow, status."""
    from apps.workflows.serializers import TaskExecutionSummarySerializer

    return TaskExecutionSummarySerializer(executions, many=True).data


def workflow_ids_owned(*, user, workflow_ids) -> set:
    """Those of ``workflow_ids`` that are workflows of ``user`` (only his own can be linked)."""
    from apps.workflows.selectors import workflow_ids_owned

    return workflow_ids_owned(user=user, workflow_ids=workflow_ids)


def workflows_linkable(*, owner):
    """The workflows a task of ``owner`` (its creator) may link, by name: the creator's own, as the API
    rules (``validate_workflow_ids``), whoever edits the task."""
    from apps.workflows.selectors import workflows_of

    return workflows_of(owner)


def task_execute_workflows(*, task, user) -> list:
    """Start the task's linked workflows (workflows.services owns how); returns the executions."""
    from apps.workflows.services import task_execute_workflows

    return task_execute_workflows(task=task, user=user)
