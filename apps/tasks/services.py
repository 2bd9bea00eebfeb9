"""What the tasks app does: create, change status, repeat, remind. Every rule about tasks lives here."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import PermissionDenied, ValidationError

from apps.accounts.selectors import users_share_a_team

from . import workflows_seam
from .models import Task, TaskReminder

logger = logging.getLogger(__name__)

# Copied from one occurrence of a repetitive task to the next.
OCCURRENCE_FIELDS = (
    "name",
    "body",
    "workflow_ids",
    "workflow_data",
    "assignee_id",
    "client_id",
    "created_by_id",
    "is_repetitive",
    "repetition_interval",
    "repetition_end_date",
)


# What only the task's creator may change (wire names in the error): whom it is for, what it is about,
# and which of his workflows run with which input.
CREATOR_ONLY_FIELDS = {
    "assignee": "assignee_id",
    "client": "client",
    "workflow_ids": "workflow_ids",
    "workflow_data": "workflow_data",
    "assignee_may_run_workflows": "assignee_may_run_workflows",
}


def _check_assignee(*, creator, assignee) -> None:
    """A task goes to its creator or to someone on one of his teams (Django groups), nobody else."""
    if not users_share_a_team(creator, assignee):
        raise ValidationError(
            {
                "assignee_id": [
                    _("User %(id)s is not on any of your teams; assign tasks within your teams.") % {"id": assignee.pk}
                ]
            }
        )


@transaction.atomic
def task_create(*, user, assignee=None, status=None, **fields) -> Task:
    """A new task; the requesting user is its creator and, unless a teammate is named, its assignee.
    A status other than not_started is applied as task_change_status would (completed_at, next
    occurrence)."""
    assignee = assignee or user
    _check_assignee(creator=user, assignee=assignee)
    task = Task.objects.create(created_by=user, assignee=assignee, **fields)
    if status is not None and status != task.status:
        task = task_change_status(task=task, status=status, user=user)
    return task


def task_create_for_workflow_run(
    *, task_id, user_id, name: str, body: str = "", due_date=None, client=None
) -> tuple[Task, bool]:
    """(task, created): the task a workflow's create_task node makes for the workflow's owner, who is
    its creator and assignee. ``task_id`` derives from (execution, node), so a node re-run after a
    crash finds the task its first run made instead of making a second."""
    return Task.objects.get_or_create(
        pk=task_id,
        defaults={
            "name": name,
            "body": body,
            "due_date": due_date,
            "assignee_id": user_id,
            "created_by_id": user_id,
            "client": client,
        },
    )


@transaction.atomic
def task_update(*, task: Task, user, status=None, **fields) -> Task:
    """Change a task. The assignee changes its name, text, dates and status; the creator-only fields
    (CREATOR_ONLY_FIELDS) answer 403 to anyone else, unless sent unchanged (a PUT of what was read)."""
    task = Task.objects.select_for_update().get(pk=task.pk)
    if user.pk != task.created_by_id:
        changed = [
            wire for name, wire in CREATOR_ONLY_FIELDS.items() if name in fields and fields[name] != getattr(task, name)
        ]
        if changed:
            raise PermissionDenied(_("Only the task's creator can change %(fields)s.") % {"fields": ", ".join(changed)})
    if "assignee" in fields:
        _check_assignee(creator=task.created_by, assignee=fields["assignee"])
    for name, value in fields.items():
        setattr(task, name, value)
    task.save()
    if status is not None and status != task.status:
        task = task_change_status(task=task, status=status, user=user)
    return task


def task_delete(*, task: Task, user) -> None:
    if user.pk != task.created_by_id:
        raise PermissionDenied(_("Only the task's creator can delete it."))
    task.delete()


def task_run_workflows(*, task: Task, user) -> list:
    """Start the task's linked workflows: its creator may, the assignee only with the creator's
    permission (assignee_may_run_workflows)."""
    if user.pk != task.created_by_id and not task.assignee_may_run_workflows:
        raise PermissionDenied(
            _("Only the task's creator runs its workflows, unless he sets assignee_may_run_workflows on the task.")
        )
    return workflows_seam.task_execute_workflows(task=task, user=user)


@transaction.atomic
def task_change_status(*, task: Task, status: str, user=None) -> Task:
    """Move a task to ``status``. Completing stamps completed_at and, for a repetitive task, creates
    the next occurrence (once, whatever the number of calls). Leaving completed clears completed_at."""
    task = Task.objects.select_for_update().get(pk=task.pk)
    if status == task.status:
        return task
    task.status = status
    if status == Task.Status.COMPLETED:
        task.completed_at = timezone.now()
    else:
        task.completed_at = None
    task.save(update_fields=["status", "completed_at", "updated_at"])
    if status == Task.Status.COMPLETED:
        task_next_occurrence_create(task=task)
    return task


def task_next_occurrence_create(*, task: Task) -> Task | None:
    """The next occurrence of a repetitive task (due + interval, up to the end date), created once.

    ``previous_occurrence`` is one-to-one, so a second call, or a concurrent one from the beat job,
    finds the row the first created instead of adding another.
    """
    next_due = task.next_due_date
    if next_due is None:
        return None
    existing = Task.objects.filter(previous_occurrence=task).first()
    if existing is not None:
        return existing
    values = {name: getattr(task, name) for name in OCCURRENCE_FIELDS}
    try:
        with transaction.atomic():
            return Task.objects.create(
                previous_occurrence=task, due_date=next_due, status=Task.Status.NOT_STARTED, **values
            )
    except IntegrityError:
        # Lost a race with another creator of the same occurrence: theirs is the one.
        return Task.objects.get(previous_occurrence=task)


def task_occurrences_create_due(*, today: date | None = None) -> list[Task]:
    """Beat job: every repetitive task whose due date has come and that has no next occurrence yet
    gets one, and so on until the newest occurrence lies in the future (or past the end date).

    Safe to run twice or concurrently: each creation goes through task_next_occurrence_create.
    """
    today = today or timezone.localdate()
    created: list[Task] = []
    pending = list(
        Task.objects.filter(
            is_repetitive=True,
            repetition_interval__gte=1,
            due_date__lte=today,
            next_occurrence__isnull=True,
        ).order_by("due_date")
    )
    while pending:
        task = pending.pop()
        occurrence = task_next_occurrence_create(task=task)
        if occurrence is None:
            continue
        created.append(occurrence)
        if occurrence.due_date <= today:
            pending.append(occurrence)
    return created


def _reminder_email(task: Task, kind: str, today: date) -> dict:
    due = f"{task.due_date:%Y-%m-%d}"
    client = f" · {task.client.name}" if task.client_id else ""
    if kind == TaskReminder.Kind.DUE_TOMORROW:
        subject = f"[SalesOne] 내일 마감: {task.name}"
        lead = f"'{task.name}' 업무가 내일({due}) 마감입니다."
    else:
        days = (today - task.due_date).days
        subject = f"[SalesOne] 기한 {days}일 지남: {task.name}"
        lead = f"'{task.name}' 업무의 기한({due})이 {days}일 지났습니다."
    body = task.body.strip()
    text = f"{lead}{client}\n\n{body}\n".rstrip() + "\n"
    html = f"<p>{_escape(lead)}{_escape(client)}</p>" + (f"<p>{_escape(body)}</p>" if body else "")
    return {"subject": subject, "text": text, "html": html}


def _escape(value: str) -> str:
    from django.utils.html import escape

    return escape(value)


def task_reminders_send(*, today: date | None = None) -> list[TaskReminder]:
    """Beat job: remind the assignee of each open task due tomorrow or overdue, at most once a day.

    The TaskReminder row (unique on task and day) is the claim: it is written first, and the e-mail
    is queued only by the run that wrote it, after its transaction commits.
    """
    from apps.mail.tasks import send_transactional_email

    today = today or timezone.localdate()
    tomorrow = today + timedelta(days=1)
    tasks = (
        Task.objects.filter(status__in=Task.OPEN_STATUSES, due_date__lte=tomorrow)
        .exclude(due_date=today)
        .exclude(reminders__sent_on=today)
        .select_related("assignee", "client")
    )
    sent: list[TaskReminder] = []
    for task in tasks:
        if not task.assignee.email or not task.assignee.is_active:
            continue
        kind = TaskReminder.Kind.DUE_TOMORROW if task.due_date == tomorrow else TaskReminder.Kind.OVERDUE
        with transaction.atomic():
            reminder, created = TaskReminder.objects.get_or_create(
                task=task, sent_on=today, defaults={"kind": kind, "recipient": task.assignee.email}
            )
            if not created:
                continue
            message = _reminder_email(task, kind, today)
            transaction.on_commit(
                lambda to=task.assignee.email, message=message: send_transactional_email.delay(
                    to=to, category="task_reminder", **message
                )
            )
        sent.append(reminder)
    logger.info("task reminders: %d queued for %s", len(sent), today)
    return sent
