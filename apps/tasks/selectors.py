"""Reads of tasks shared by the tasks API and the client task view (which clients reach through their tasks_seam)."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Aggregate, Count, ExpressionWrapper, F, FloatField, OuterRef, Q, Subquery
from django.db.models.functions import Extract, TruncDate, TruncDay, TruncMonth, TruncWeek
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


# -- analytics ------------------------------------------------------------------------------------------


class Median(Aggregate):
    """PostgreSQL's exact median of a numeric expression."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


TRUNCATE = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}


def _period_of(day: date, period: str) -> date:
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def task_analytics(*, tasks, period: str, start: date, end: date, today: date | None = None) -> list[dict]:
    """Per assignee and period (day, week from Monday, month; Asia/Seoul calendar days) between
    ``start`` and ``end`` inclusive, over ``tasks``:

    - created: tasks created in the period;
    - completed: tasks completed in the period;
    - overdue: tasks due in the period that were not completed by their due date (still open after
      it, or completed later);
    - median_hours_to_complete: median of (completed_at − created_at) of the tasks completed in the
      period, in hours; null when none was;
    - on_time_rate: share of the tasks completed in the period with a due date that were completed
      on or before it (0–1); null when none had a due date.

    Three grouped queries; rows sorted by period, then assignee e-mail.
    """
    zone = timezone.get_default_timezone()
    today = today or timezone.localdate()
    truncate = TRUNCATE[period]
    rows: dict[tuple, dict] = {}

    def row(assignee_id, email, day) -> dict:
        key = (_period_of(day, period), assignee_id)
        return rows.setdefault(
            key,
            {
                "period_start": key[0],
                "assignee": {"id": assignee_id, "email": email},
                "created": 0,
                "completed": 0,
                "overdue": 0,
                "median_hours_to_complete": None,
                "on_time_rate": None,
            },
        )

    created_day = TruncDate("created_at", tzinfo=zone)
    created = (
        tasks.annotate(day=created_day)
        .filter(day__gte=start, day__lte=end)
        .annotate(bucket=truncate("created_at", tzinfo=zone))
        .values("bucket", "assignee_id", "assignee__email")
        .annotate(n=Count("id"))
        .order_by()
    )
    for item in created:
        row(item["assignee_id"], item["assignee__email"], _local_day(item["bucket"]))["created"] = item["n"]

    completed_day = TruncDate("completed_at", tzinfo=zone)
    hours = ExpressionWrapper(Extract(F("completed_at") - F("created_at"), "epoch") / 3600.0, output_field=FloatField())
    with_due = Q(due_date__isnull=False)
    completed = (
        tasks.filter(status=Task.Status.COMPLETED, completed_at__isnull=False)
        .annotate(day=completed_day)
        .filter(day__gte=start, day__lte=end)
        .annotate(bucket=truncate("completed_at", tzinfo=zone))
        .values("bucket", "assignee_id", "assignee__email")
        .annotate(
            n=Count("id"),
            median=Median(hours),
            due=Count("id", filter=with_due),
            on_time=Count("id", filter=with_due & Q(day__lte=F("due_date"))),
        )
        .order_by()
    )
    for item in completed:
        entry = row(item["assignee_id"], item["assignee__email"], _local_day(item["bucket"]))
        entry["completed"] = item["n"]
        entry["median_hours_to_complete"] = None if item["median"] is None else round(item["median"], 2)
        entry["on_time_rate"] = round(item["on_time"] / item["due"], 4) if item["due"] else None

    late = Q(status=Task.Status.COMPLETED, completed_at__isnull=False, completed_day__gt=F("due_date"))
    still_open = ~Q(status=Task.Status.COMPLETED) & Q(due_date__lt=today)
    overdue = (
        tasks.filter(due_date__gte=start, due_date__lte=end)
        .annotate(completed_day=completed_day)
        .filter(late | still_open)
        .values("due_date", "assignee_id", "assignee__email")
        .annotate(n=Count("id"))
        .order_by()
    )
    for item in overdue:
        row(item["assignee_id"], item["assignee__email"], item["due_date"])["overdue"] += item["n"]

    return sorted(rows.values(), key=lambda entry: (entry["period_start"], entry["assignee"]["email"]))


def _local_day(value) -> date:
    """A truncated timestamp (aware, in Asia/Seoul) as the calendar day it starts."""
    if isinstance(value, datetime):
        return timezone.localtime(value).date()
    return value


def task_analytics_tasks(*, user, team=None):
    """The tasks analytics covers: those ``user`` sees (assignee or creator), or a team's."""
    return Task.objects.filter(team=team) if team else Task.objects.filter(Q(assignee=user) | Q(created_by=user))


def task_analytics_cached(*, tasks, scope: str, period: str, start: date, end: date, team=None) -> dict:
    """task_analytics over ``tasks`` (``scope`` names them in the cache key: whose, which team),
    cached in Redis for TASK_ANALYTICS_CACHE_SECONDS: an answer can be that old (``generated_at``
    says when it was computed)."""
    today = timezone.localdate()
    key = f"tasks:analytics:{scope}:{team.pk if team else ''}:{period}:{start}:{end}:{today}"
    answer = cache.get(key)
    if answer is None:
        answer = {
            "period": period,
            "start": start,
            "end": end,
            "team": team.pk if team else None,
            "generated_at": timezone.now(),
            "rows": task_analytics(tasks=tasks, period=period, start=start, end=end, today=today),
        }
        cache.set(key, answer, settings.TASK_ANALYTICS_CACHE_SECONDS)
    return answer
