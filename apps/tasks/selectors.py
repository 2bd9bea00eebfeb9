"""Reads of tasks shared by the tasks API and the client task view."""

from django.db.models import OuterRef, Q, Subquery

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
