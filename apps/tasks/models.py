"""Tasks: work assigned to a user, optionally bound to a client and to workflows."""

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
    is_repetitive = models.BooleanField(default=False)
    repetition_interval = models.PositiveIntegerField(null=True, blank=True, help_text="Days between repetitions")
    repetition_end_date = models.DateField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta(BaseModel.Meta):
        indexes = [models.Index(fields=["assignee", "status", "due_date"]), models.Index(fields=["created_by"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display()})"
