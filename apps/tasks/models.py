"""Tasks: work assigned to a user, optionally bound to a client and to workflows."""

from datetime import date, timedelta

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from common.models import BaseModel


class Task(BaseModel):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"

    name = models.CharField(max_length=200)
    body = models.TextField(blank=True, default="")
    workflow_ids = ArrayField(models.UUIDField(), default=list, blank=True)
    workflow_data = models.JSONField(default=dict, blank=True)
    due_date = models.DateField(null=True, blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assigned_tasks")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    client = models.ForeignKey("clients.Client", on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="created_tasks")
    # The creator's permission for the assignee to run the linked workflows (and read their input,
    # workflow_data); without it only the creator runs them.
    assignee_may_run_workflows = models.BooleanField(default=False)
    is_repetitive = models.BooleanField(default=False)
    repetition_interval = models.PositiveIntegerField(null=True, blank=True, help_text="Days between repetitions")
    repetition_end_date = models.DateField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # The occurrence this one repeats. One-to-one, so a task has at most one next occurrence: the
    # database, not the caller, makes "complete twice" or "beat job and completion race" create one.
    previous_occurrence = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="next_occurrence"
    )

    OPEN_STATUSES = (Status.NOT_STARTED, Status.IN_PROGRESS, Status.FAILED)

    class Meta(BaseModel.Meta):
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
        due = f", due {self.due_date:%Y-%m-%d}" if self.due_date else ""
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
        DUE_TOMORROW = "due_tomorrow", "Due tomorrow"
        OVERDUE = "overdue", "Overdue"

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="reminders")
    sent_on = models.DateField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    recipient = models.EmailField()

    class Meta(BaseModel.Meta):
        constraints = [models.UniqueConstraint(fields=["task", "sent_on"], name="task_reminder_once_per_day")]

    def __str__(self) -> str:
        return f"{self.task.name} → {self.recipient} on {self.sent_on} ({self.kind})"
