"""What the tasks app does: create, change status, repeat, remind. Every rule about tasks lives here."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from rest_framework.exceptions import PermissionDenied, ValidationError

from apps.accounts.selectors import users_share_a_team
from common.serializers import utc_iso
from services import slack

from . import workflows_seam
from .models import Task, TaskReminder, TaskReminderPreference

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


# -- auto-assign ---------------------------------------------------------------------------------------

# Weighted open work: each open task of a member counts 1, 2 when due within a week, 3 when due
# within a day or overdue, so that a member with two urgent tasks is busier than one with four
# that can wait.
URGENT_DAYS, SOON_DAYS = 1, 7
URGENT_WEIGHT, SOON_WEIGHT, OTHER_WEIGHT = 3, 2, 1
AUTO_ASSIGN_RULE = gettext_noop(
    "Given to the team member with the least open weighted work: each open task counts 1, 2 when due "
    "within 7 days, 3 when due within a day or overdue. Ties go round-robin: to the tied member whose "
    "last auto-assigned task in this team is the oldest (never auto-assigned first)."
)


def _check_team(*, user, team) -> None:
    if not team.user_set.filter(pk=user.pk).exists():
        raise ValidationError({"team": [_("You are not on team %(id)s.") % {"id": team.pk}]})


def _weighted_work(user_ids: list, today: date) -> dict:
    """{user id: (open tasks, weighted open work)} of the given users; one query."""
    urgent = Q(due_date__lte=today + timedelta(days=URGENT_DAYS))
    soon = Q(due_date__lte=today + timedelta(days=SOON_DAYS)) & ~urgent
    rows = (
        Task.objects.filter(assignee_id__in=user_ids, status__in=Task.OPEN_STATUSES)
        .values("assignee_id")
        .annotate(
            open_tasks=Count("id"),
            urgent=Count("id", filter=urgent),
            soon=Count("id", filter=soon),
        )
    )
    work = {pk: (0, 0) for pk in user_ids}
    for row in rows:
        other = row["open_tasks"] - row["urgent"] - row["soon"]
        weighted = row["urgent"] * URGENT_WEIGHT + row["soon"] * SOON_WEIGHT + other * OTHER_WEIGHT
        work[row["assignee_id"]] = (row["open_tasks"], weighted)
    return work


def task_auto_assign(*, team, today: date | None = None) -> tuple:
    """(assignee, explanation) for a new task of ``team``: the active member with the least open
    weighted work (AUTO_ASSIGN_RULE), ties broken round-robin. Call inside a transaction: the team's
    row is locked so that two tasks created at once see each other's assignment."""
    from django.contrib.auth.models import Group

    today = today or timezone.localdate()
    Group.objects.select_for_update().get(pk=team.pk)
    members = list(team.user_set.filter(is_active=True).order_by("email"))
    if not members:
        raise ValidationError({"team": [_("The team %(team)s has no active member.") % {"team": team.name}]})
    work = _weighted_work([member.pk for member in members], today)
    last_auto = dict(
        Task.objects.filter(team=team, assignment__isnull=False, assignee__in=members)
        .values("assignee_id")
        .annotate(last=Max("created_at"))
        .values_list("assignee_id", "last")
    )
    least = min(work[member.pk][1] for member in members)
    tied = [member for member in members if work[member.pk][1] == least]
    # Round-robin: never auto-assigned first, then the longest ago; e-mail order last, to be stable.
    chosen = min(tied, key=lambda member: (last_auto.get(member.pk) is not None, last_auto.get(member.pk) or 0))
    explanation = {
        "team": {"id": team.pk, "name": team.name},
        "assignee_id": str(chosen.pk),
        "tie_broken_round_robin": len(tied) > 1,
        "candidates": [
            {
                "user_id": str(member.pk),
                "email": member.email,
                "open_tasks": work[member.pk][0],
                "weighted_open_work": work[member.pk][1],
                "last_auto_assigned_at": utc_iso(last_auto.get(member.pk)),
            }
            for member in members
        ],
    }
    return chosen, explanation


@transaction.atomic
def task_create(*, user, assignee=None, status=None, team=None, **fields) -> Task:
    """A new task; the requesting user is its creator. Its assignee: task_assignment_resolve's. A status
    other than not_started is applied as task_change_status would (completed_at, next occurrence)."""
    assignee, assignment = task_assignment_resolve(user=user, assignee=assignee, team=team)
    task = Task.objects.create(created_by=user, assignee=assignee, team=team, assignment=assignment, **fields)
    if status is not None and status != task.status:
        task = task_change_status(task=task, status=status, user=user)
    return task


def task_assignment_resolve(*, user, assignee=None, team=None) -> tuple:
    """(assignee, assignment explanation or None) of a new task created by ``user``: the teammate named,
    else, for a task of a team (``team``), the member auto-assign picks (task_auto_assign; a 400 when
    TASK_AUTO_ASSIGN_ENABLED is off), else the creator. The API and the admin's add form both ask here.
    Call inside a transaction (auto-assign locks the team's row)."""
    assignment = None
    if team is not None:
        _check_team(user=user, team=team)
        if assignee is not None and not team.user_set.filter(pk=assignee.pk).exists():
            raise ValidationError(
                {
                    "assignee_id": [
                        _("User %(id)s is not on the team %(team)s.") % {"id": assignee.pk, "team": team.name}
                    ]
                }
            )
        if assignee is None:
            if not settings.TASK_AUTO_ASSIGN_ENABLED:
                raise ValidationError(
                    {"assignee_id": [_("Auto-assign is turned off here: name the assignee of a team's task.")]}
                )
            assignee, assignment = task_auto_assign(team=team)
    assignee = assignee or user
    _check_assignee(creator=user, assignee=assignee)
    return assignee, assignment


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
    if "team" in fields and fields.pop("team") != task.team:
        raise ValidationError({"team": [_("A task's team is chosen when it is created.")]})
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


# -- reminders ----------------------------------------------------------------------------------------


def _lead_days(preference: TaskReminderPreference | None) -> int:
    return settings.TASK_REMINDER_DEFAULT_LEAD_DAYS if preference is None else preference.lead_days


def task_reminder_preference_get(*, user) -> TaskReminderPreference:
    """The user's reminder preference, or the defaults (unsaved) when he has not chosen."""
    preference = TaskReminderPreference.objects.filter(user=user).first()
    return preference or TaskReminderPreference(user=user, lead_days=_lead_days(None))


def task_reminder_preference_set(*, user, **fields) -> TaskReminderPreference:
    """Save the user's choice: lead time (0..TASK_REMINDER_MAX_LEAD_DAYS days), e-mail, Slack."""
    preference = task_reminder_preference_get(user=user)
    for name, value in fields.items():
        setattr(preference, name, value)
    if preference.by_slack and not preference.slack_channel:
        raise ValidationError({"slack_channel": [_("Name a Slack member ID or channel to be reminded on Slack.")]})
    preference.save()
    return preference


def _reminder_message(task: Task, kind: str, today: date) -> dict:
    """Subject, text and HTML of a reminder, in Korean (the assignee's product language)."""
    due = f"{task.due_date:%Y-%m-%d}"
    client = f" · {task.client.name}" if task.client_id else ""
    with translation.override("ko"):
        if kind == TaskReminder.Kind.BEFORE_DUE:
            days = (task.due_date - today).days
            if days == 0:
                when = _("due today")
            elif days == 1:
                when = _("due tomorrow")
            else:
                when = _("due in %(days)d days") % {"days": days}
            subject = f"[SalesOne] {when}: {task.name}"
            lead = _("'%(task)s' is %(when)s (%(date)s).") % {"task": task.name, "when": when, "date": due}
        else:
            days = (today - task.due_date).days
            subject = "[SalesOne] " + _("%(days)d days overdue: %(task)s") % {"days": days, "task": task.name}
            lead = _("'%(task)s' was due %(days)d days ago (%(date)s).") % {
                "task": task.name,
                "days": days,
                "date": due,
            }
    body = task.body.strip()
    text = f"{lead}{client}\n\n{body}\n".rstrip() + "\n"
    html = f"<p>{escape(lead)}{escape(client)}</p>" + (f"<p>{escape(body)}</p>" if body else "")
    return {"subject": subject, "text": text, "html": html}


def _reminder_kind(task: Task, today: date, lead_days: int) -> str | None:
    """Which reminder an open task is due today, if any."""
    if task.due_date < today:
        return TaskReminder.Kind.OVERDUE
    if (task.due_date - today).days <= lead_days:
        return TaskReminder.Kind.BEFORE_DUE
    return None


def task_reminders_send(*, today: date | None = None) -> list[TaskReminder]:
    """Beat job: remind the assignee of each open task whose due date is within his lead time (once
    per due date) or past (at most once a day).

    The TaskReminder row (unique on task and day, and on task and due date before it) is the claim:
    it is written first, and its delivery (task_reminder_deliver) is queued only by the run that
    wrote it, after its transaction commits.
    """
    from .tasks import deliver_task_reminder

    today = today or timezone.localdate()
    horizon = today + timedelta(days=settings.TASK_REMINDER_MAX_LEAD_DAYS)
    already = TaskReminder.objects.filter(task=OuterRef("pk"))
    tasks = (
        Task.objects.filter(status__in=Task.OPEN_STATUSES, due_date__lte=horizon, assignee__is_active=True)
        .exclude(assignee__email="")
        .exclude(Exists(already.filter(sent_on=today)))
        .exclude(
            Exists(already.filter(kind=TaskReminder.Kind.BEFORE_DUE, due_date=OuterRef("due_date"))),
            due_date__gte=today,
        )
        .select_related("assignee", "assignee__task_reminder_preference")
    )
    sent: list[TaskReminder] = []
    for task in tasks:
        preference = getattr(task.assignee, "task_reminder_preference", None)
        kind = _reminder_kind(task, today, _lead_days(preference))
        if kind is None:
            continue
        try:
            with transaction.atomic():
                reminder = TaskReminder.objects.create(
                    task=task, sent_on=today, kind=kind, due_date=task.due_date, recipient=task.assignee.email
                )
                transaction.on_commit(lambda pk=reminder.pk: deliver_task_reminder.delay(str(pk)))
        except IntegrityError:
            continue  # another run claimed it
        sent.append(reminder)
    logger.info("task reminders: %d queued for %s", len(sent), today)
    return sent


def _claim_channel(reminder: TaskReminder, field: str) -> bool:
    """PENDING → SENDING for one channel; True for the one caller that moved it."""
    return bool(
        TaskReminder.objects.filter(pk=reminder.pk, **{field: TaskReminder.Delivery.PENDING}).update(
            **{field: TaskReminder.Delivery.SENDING}, updated_at=timezone.now()
        )
    )


def _set_channel(reminder: TaskReminder, field: str, status: str, **extra) -> None:
    TaskReminder.objects.filter(pk=reminder.pk).update(**{field: status}, updated_at=timezone.now(), **extra)


def task_reminder_deliver(*, reminder_id) -> TaskReminder | None:
    """Send a claimed reminder by e-mail and Slack as the assignee chose; skipped when the task was
    done meanwhile. Each channel is claimed before it is used: a second run sends nothing again."""
    from apps.mail.tasks import send_transactional_email

    reminder = (
        TaskReminder.objects.select_related("task", "task__assignee", "task__client").filter(pk=reminder_id).first()
    )
    if reminder is None:
        return None
    task = reminder.task
    channels = ("email_status", "slack_status")
    if task.status not in Task.OPEN_STATUSES or task.due_date != reminder.due_date:
        for field in channels:
            TaskReminder.objects.filter(pk=reminder.pk, **{field: TaskReminder.Delivery.PENDING}).update(
                **{field: TaskReminder.Delivery.SKIPPED}
            )
        reminder.refresh_from_db()
        return reminder
    preference = task_reminder_preference_get(user=task.assignee)
    message = _reminder_message(task, reminder.kind, reminder.sent_on)
    if not preference.by_email:
        _set_channel(reminder, "email_status", TaskReminder.Delivery.OFF)
    elif _claim_channel(reminder, "email_status"):
        send_transactional_email.delay(to=reminder.recipient, category="task_reminder", **message)
        _set_channel(reminder, "email_status", TaskReminder.Delivery.SENT)
    if not (preference.by_slack and preference.slack_channel):
        TaskReminder.objects.filter(pk=reminder.pk, slack_status=TaskReminder.Delivery.PENDING).update(
            slack_status=TaskReminder.Delivery.OFF
        )
    elif _claim_channel(reminder, "slack_status"):
        try:
            slack.post_message(channel=preference.slack_channel, text=f"{message['subject']}\n{message['text']}")
        except slack.SlackError as exc:
            # Not retried: Slack may have posted it before the error (a timeout), and a reminder
            # must never arrive twice. The error is on the reminder for the admin.
            _set_channel(reminder, "slack_status", TaskReminder.Delivery.FAILED, slack_error=str(exc)[:2000])
            logger.warning("task reminder %s: Slack failed: %s", reminder.pk, exc)
        else:
            _set_channel(reminder, "slack_status", TaskReminder.Delivery.SENT)
    reminder.refresh_from_db()
    return reminder
