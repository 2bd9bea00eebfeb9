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
    """One reminder e-mail about a task on one day (Asia/Seoul); the unique key makes it at most one."""

    class Kind(models.TextChoices):
        DUE_TOMORROW = "due_tomorrow", _("Due tomorrow")
        OVERDUE = "overdue", _("Overdue")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("task"))
    sent_on = models.DateField(verbose_name=_("sent on"))
    kind = models.CharField(max_length=20, choices=Kind.choices, verbose_name=_("kind"))
    recipient = models.EmailField(verbose_name=_("recipient"))

    class Meta(BaseModel.Meta):
        verbose_name = _("task reminder")
        verbose_name_plural = _("task reminders")
        constraints = [models.UniqueConstraint(fields=["task", "sent_on"], name="task_reminder_once_per_day")]

    def __str__(self) -> str:
        return gettext("%(task)s → %(recipient)s on %(date)s (%(kind)s)") % {
            "task": self.task.name,
            "recipient": self.recipient,
            "date": self.sent_on,
            "kind": self.get_kind_display(),
        }
