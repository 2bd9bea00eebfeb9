"""Task nodes: create a task for the workflow's owner, and change a task's status."""

import datetime as dt
import uuid

from django.utils import timezone
from django.utils.dateparse import parse_date

from apps.clients.models import Client
from apps.tasks.models import Task
from apps.tasks.selectors import task_get_for_user
from apps.tasks.services import task_change_status, task_create_for_workflow_run
from apps.workflows.engine.context import SEOUL
from apps.workflows.engine.registry import register_node

from .base import Node, NodeCall, NodeError, NodeResult

TASK_STATUSES = Task.Status.values


@register_node
class CreateTaskNode(Node):
    type = "create_task"
    label = "Create task"
    description = "Creates a task assigned to the workflow's owner (name, body, due date or days from today, client)."
    category = "tasks"
    data_schema = {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 200},
            "body": {"type": "string"},
            "due_date": {"type": "string", "description": "YYYY-MM-DD"},
            "due_in_days": {"type": ["integer", "string"], "description": "days from today (Asia/Seoul)"},
            "client_id": {"type": "string"},
        },
    }

    def run(self, call: NodeCall) -> NodeResult:
        data = call.data
        user_id = call.context.user_id
        due = None
        if data.get("due_date"):
            due = parse_date(str(data["due_date"]))
            if due is None:
                raise NodeError(f"due_date {data['due_date']!r} is not a date (YYYY-MM-DD).")
        elif data.get("due_in_days") not in (None, ""):
            try:
                days = int(data["due_in_days"])
            except (TypeError, ValueError) as exc:
                raise NodeError(f"due_in_days {data['due_in_days']!r} is not a number.") from exc
            due = timezone.now().astimezone(SEOUL).date() + dt.timedelta(days=days)
        client = None
        if data.get("client_id"):
            try:
                client = Client.objects.filter(pk=uuid.UUID(str(data["client_id"])), user_id=user_id).first()
            except ValueError:
                client = None
            if client is None:
                raise NodeError(f"client {data['client_id']!r} does not exist or is not yours.")
        # The id derives from (execution, node): a re-run after a crash finds the task it made.
        task_id = uuid.uuid5(uuid.NAMESPACE_URL, f"salesone:workflow:{call.context.execution_id}:{call.node_id}")
        task, created = task_create_for_workflow_run(
            task_id=task_id,
            user_id=user_id,
            name=str(data["name"])[:200],
            body=str(data.get("body") or ""),
            due_date=due,
            client=client,
        )
        return NodeResult(
            output={
                "task_id": str(task.pk),
                "name": task.name,
                "status": task.status,
                "due_date": task.due_date.isoformat() if task.due_date else None,
                "created": created,
            }
        )


@register_node
class UpdateTaskStatusNode(Node):
    type = "update_task_status"
    label = "Update task status"
    description = (
        f"Sets a task's status ({', '.join(TASK_STATUSES)}). The task defaults to the one the execution runs for."
    )
    category = "tasks"
    data_schema = {
        "type": "object",
        "required": ["status"],
        "properties": {
            "task_id": {"type": "string", "description": "defaults to {{ execution.task_id }}"},
            "status": {"type": "string", "description": "one of " + ", ".join(TASK_STATUSES)},
        },
    }

    def run(self, call: NodeCall) -> NodeResult:
        status = str(call.data["status"])
        if status not in TASK_STATUSES:
            raise NodeError(f"status {status!r} is not one of {', '.join(TASK_STATUSES)}.")
        raw_id = call.data.get("task_id") or call.context.task_id
        if not raw_id:
            raise NodeError("no task: set task_id, or run the workflow from a task.")
        try:
            task_id = uuid.UUID(str(raw_id))
        except ValueError as exc:
            raise NodeError(f"task_id {raw_id!r} is not a UUID.") from exc
        user_id = call.context.user_id
        task = task_get_for_user(task_id=task_id, user_id=user_id)
        if task is None:
            raise NodeError(f"task {task_id} does not exist or is not yours.")
        previous = task.status
        # The tasks app's rule: completing a repetitive task creates its next occurrence.
        task_change_status(task=task, status=status)
        return NodeResult(output={"task_id": str(task.pk), "status": status, "previous_status": previous})
