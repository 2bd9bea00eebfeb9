"""Workflows: node graphs (React Flow JSON) and their executions."""

from django.conf import settings
from django.db import models

from common.models import BaseModel


class Workflow(BaseModel):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    nodes = models.JSONField(default=list, blank=True)
    edges = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=False)
    is_template = models.BooleanField(default=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workflows")

    def __str__(self) -> str:
        return self.name


class WorkflowExecution(BaseModel):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="executions")
    task = models.ForeignKey("tasks.Task", on_delete=models.SET_NULL, null=True, blank=True, related_name="executions")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    input_data = models.JSONField(default=dict, blank=True)
    output_data = models.JSONField(default=dict, blank=True)
    error_message = models.TextField(blank=True, default="")
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.workflow} — {self.status}"
