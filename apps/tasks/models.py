"""Tasks: work assigned to a user, optionally bound to a client and to workflows."""

from datetime import date, timedelta

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.models import BaseModel


class Task(BaseModel):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")

    name = models.CharField(max_length=200, verbose_name=_("name"))
    body = models.TextField(blank=True, default="", verbose_name=_("body"))
    workflow_ids = ArrayField(models.UUIDField(), default=list, blank=True, verbose_name=_("workflows"))
    workflow_data = models.JSONField(default=dict, blank=True, verbose_name=_("workflow data"))
    due_date = models.DateField(null=True, blank=True, verbose_name=_("due date"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assigned_tasks", verbose_name=_("assignee")
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.NOT_STARTED, verbose_name=_("status")
    )
    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("client"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="created_tasks", verbose_name=_("created by")
    )
    # The creator's permission for the assignee to run the linked workflows (and read their input,
    # workflow_data); without it only the creator runs them.
    assignee_may_run_workflows = models.BooleanField(default=False, verbose_name=_("assignee may run workflows"))
    is_repetitive = models.BooleanField(default=False, verbose_name=_("repeats"))
    repetition_interval = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Days between repetitions"), verbose_name=_("repetition interval")
    )
    repetition_end_date = models.DateField(null=True, blank=True, verbose_name=_("repetition end date"))
    completed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("completed at"))
    # The occurrence this one repeats. One-to-one, so a task has at most one next occurrence: the
    # database, not the caller, makes "complete twice" or "beat job and completion race" create one.
    # The team (Django group) the task was created for; a task created for a team without an
    # assignee is auto-assigned (services.task_auto_assign), and ``assignment`` says how.
    team = models.ForeignKey(
        "auth.Group", on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks", verbose_name=_("team")
    )
    assignment = models.JSONField(null=True, blank=True, editable=False, verbose_name=_("auto-assignment"))
    previous_occurrence = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="next_occurrence",
        verbose_name=_("previous occurrence"),
    )

    OPEN_STATUSES = (Status.NOT_STARTED, Status.IN_PROGRESS, Status.FAILED)

    class Meta(BaseModel.Meta):
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [
            models.Index(fields=["assignee", "status", "due_date"]),
            models.Index(fields=["created_by"]),
            models.Index(fields=["client", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_repetitive=False)
                | (models.Q(repetition_interval__gte=1) & models.Q(due_date__isnull=False)),
                name="task_repetitive_needs_interval_and_due_date",
            )
        ]

    def __str__(self) -> str:
        due = gettext(", due %(date)s") % {"date": f"{self.due_date:%Y-%m-%d}"} if self.due_date else ""
        return f"{self.name} ({self.get_status_display()}{due})"

    @property
    def workflow_executions(self) -> list:
        """Executions of this task's workflows, newest first (lists read them as JSON: tasks.selectors)."""
        return list(self.executions.order_by("-created_at"))

    @property
    def next_due_date(self) -> date | None:
        """Due date of the next occurrence, or None when the task does not repeat again."""
        if not (self.is_repetitive and self.repetition_interval and self.due_date):
            return None
        next_due = self.due_date + timedelta(days=self.repetition_interval)
        if self.repetition_end_date and next_due > self.repetition_end_date:
            return None
        return next_due


class TaskReminder(BaseModel):
    """One reminder about a task (Asia/Seoul days): before its due date at the assignee's lead time,
    once per due date; overdue, at most once a day. The row is the claim, written before anything
    is sent (services.task_reminders_send); each channel's status is claimed before its message
    leaves (services.task_reminder_deliver), so neither the e-mail nor the Slack message goes twice."""

    class Kind(models.TextChoices):
        BEFORE_DUE = "before_due", _("Before the due date")
        OVERDUE = "overdue", _("Overdue")

    class Delivery(models.TextChoices):
        PENDING = "", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped: the task was done")
        OFF = "off", _("Not asked for")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("task"))
    sent_on = models.DateField(verbose_name=_("sent on"))
    kind = models.CharField(max_length=20, choices=Kind.choices, verbose_name=_("kind"))
    recipient = models.EmailField(verbose_name=_("recipient"))
    # The due date this reminder is about: a task moved to a later date is reminded again.
    due_date = models.DateField(null=True, blank=True, verbose_name=_("due date"))
    email_status = models.CharField(
        max_length=10, choices=Delivery.choices, blank=True, default="", verbose_name=_("e-mail")
    )
    slack_status = models.CharField(
        max_length=10, choices=Delivery.choices, blank=True, default="", verbose_name=_("Slack")
    )
    slack_error = models.TextField(blank=True, default="", verbose_name=_("Slack error"))

    class Meta(BaseModel.Meta):
        verbose_name = _("task reminder")
        verbose_name_plural = _("task reminders")
        constraints = [
            models.UniqueConstraint(fields=["task", "sent_on"], name="task_reminder_once_per_day"),
            models.UniqueConstraint(
                fields=["task", "due_date"],
                condition=models.Q(kind="before_due"),
                name="task_reminder_before_due_once",
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(task)s → %(recipient)s on %(date)s (%(kind)s)") % {
            "task": self.task.name,
            "recipient": self.recipient,
            "date": self.sent_on,
            "kind": self.get_kind_display(),
        }


class TaskReminderPreference(BaseModel):
    """How a user wants to be reminded of the tasks assigned to him; without a row, the defaults
    (settings.TASK_REMINDER_DEFAULT_LEAD_DAYS, by e-mail, no Slack)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="task_reminder_preference",
        verbose_name=_("user"),
    )
    lead_days = models.PositiveSmallIntegerField(
        help_text=_("Days before the due date (0: on the due date)"), verbose_name=_("lead time in days")
    )
    by_email = models.BooleanField(default=True, verbose_name=_("by e-mail"))
    by_slack = models.BooleanField(default=False, verbose_name=_("by Slack"))
    slack_channel = models.CharField(
        max_length=80,
        blank=True,
        default="",
        help_text=_("A Slack member ID (U…) for a direct message, or a channel (#sales)"),
        verbose_name=_("Slack channel"),
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("task reminder preference")
        verbose_name_plural = _("task reminder preferences")

    def __str__(self) -> str:
        return str(self.user)
