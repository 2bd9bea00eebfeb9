"""Reads of tasks shared by the tasks API and the client task view (which clients reach through their tasks_seam)."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from . import workflows_seam
from .models import Task


def task_queryset_with_executions():
    """Tasks with their users, next occurrence and workflow executions: a fixed number of queries.

    ``executions_json``: the task's executions, newest first, as one JSON array PostgreSQL builds in
    the same query, or None when it has none (apps.workflows.selectors.task_executions_json).
    ``next_occurrence_pk``: the next occurrence's id, from its unique index, instead of joining and
    building a whole second Task per row.
    """
    next_occurrence = Task.objects.filter(previous_occurrence=OuterRef("pk")).values("pk")[:1]
    return Task.objects.select_related("assignee", "created_by").annotate(
        next_occurrence_pk=Subquery(next_occurrence), executions_json=workflows_seam.task_executions_json()
    )


def task_get_for_user(*, task_id, user_id) -> Task | None:
    """The task if ``user_id`` may work on it (its assignee or its creator), else None."""
    return Task.objects.filter(Q(assignee_id=user_id) | Q(created_by_id=user_id), pk=task_id).first()


@dataclass
class ClientTasks:
    pending: list[Task] = field(default_factory=list)
    in_progress: list[Task] = field(default_factory=list)
    completed: list[Task] = field(default_factory=list)
    failed: list[Task] = field(default_factory=list)
    summary: dict = field(default_factory=dict)


def client_tasks(*, client, today: date | None = None) -> ClientTasks:
    """The client's tasks grouped by status, with counts.

    overdue: due before today (Asia/Seoul: due dates are Korean calendar days, and TIME_ZONE is
    Asia/Seoul) and not completed; upcoming: due today or later and not completed. A task without a
    due date is neither.
    """
    today = today or timezone.localdate()
    tasks = list(task_queryset_with_executions().filter(client=client).order_by("due_date", "created_at"))
    grouped = ClientTasks()
    groups = {
        Task.Status.NOT_STARTED: grouped.pending,
        Task.Status.IN_PROGRESS: grouped.in_progress,
        Task.Status.COMPLETED: grouped.completed,
        Task.Status.FAILED: grouped.failed,
    }
    for task in tasks:
        groups[task.status].append(task)
    open_tasks = [t for t in tasks if t.status != Task.Status.COMPLETED and t.due_date]
    grouped.summary = {
        "total_tasks": len(tasks),
        "pending_tasks": len(grouped.pending),
        "in_progress_tasks": len(grouped.in_progress),
        "completed_tasks": len(grouped.completed),
        "failed_tasks": len(grouped.failed),
        "workflow_bound_tasks": sum(1 for t in tasks if t.workflow_ids),
        "overdue_tasks": sum(1 for t in open_tasks if t.due_date < today),
        "upcoming_tasks": sum(1 for t in open_tasks if t.due_date >= today),
    }
    return grouped


def client_overdue_task_count(*, client, today: date) -> int:
    """The client's tasks due before ``today`` and not completed."""
    return Task.objects.filter(client=client, due_date__lt=today).exclude(status=Task.Status.COMPLETED).count()
