"""Workflows: node graphs (React Flow JSON), their executions and the stored run of every node."""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from common.models import BaseModel


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(24)


class Workflow(BaseModel):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    nodes = models.JSONField(default=list, blank=True)
    edges = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=False)
    is_template = models.BooleanField(default=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workflows")
    # The webhook trigger URL carries this secret instead of a JWT; rotating it revokes old URLs.
    webhook_secret = models.CharField(max_length=64, default=new_webhook_secret)
    timeout_seconds = models.PositiveIntegerField(
        default=24 * 60 * 60,
        validators=[MinValueValidator(1), MaxValueValidator(90 * 24 * 60 * 60)],
        help_text="An execution still unfinished this long after it started fails as timed out.",
    )
    template_key = models.CharField(
        max_length=100, blank=True, default="", help_text="The shipped template this workflow was copied from."
    )

    class Meta(BaseModel.Meta):
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return self.name


class WorkflowExecution(BaseModel):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    class Trigger(models.TextChoices):
        MANUAL = "manual", "Manual (API)"
        WEBHOOK = "webhook", "Webhook"
        TASK = "task", "Task"

    FINISHED = (Status.COMPLETED, Status.FAILED, Status.CANCELLED)

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="executions")
    task = models.ForeignKey("tasks.Task", on_delete=models.SET_NULL, null=True, blank=True, related_name="executions")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    input_data = models.JSONField(default=dict, blank=True)
    output_data = models.JSONField(default=dict, blank=True)
    error_message = models.TextField(blank=True, default="")
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    trigger = models.CharField(max_length=20, choices=Trigger.choices, default=Trigger.MANUAL)
    # The graph as it was when the execution started: editing the workflow never changes a run.
    graph = models.JSONField(default=dict, blank=True)
    deadline_at = models.DateTimeField(null=True, blank=True)

    class Meta(BaseModel.Meta):
        indexes = [
            models.Index(fields=["workflow", "-created_at"]),
            models.Index(fields=["status", "updated_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.workflow} — {self.status}"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED


class NodeRun(models.Model):
    """One node of one execution: claimed in the database before a side effect, settled right after."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"
        WAITING = "waiting", "Waiting"

    DECIDED = (Status.COMPLETED, Status.FAILED, Status.SKIPPED)

    id = models.BigAutoField(primary_key=True)
    execution = models.ForeignKey(WorkflowExecution, on_delete=models.CASCADE, related_name="node_runs")
    node_id = models.CharField(max_length=100)
    node_type = models.CharField(max_length=60)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    # The branch the node took: "main", "true"/"false" for a condition, "error" for a caught failure.
    branch = models.CharField(max_length=20, blank=True, default="")
    input = models.JSONField(default=dict, blank=True)
    output = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, default="")
    attempt = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Waiting (a delay, or a retry's backoff): when the run continues.
    resume_at = models.DateTimeField(null=True, blank=True)
    # Running: who holds the node and until when; an expired lease means the worker died.
    claim = models.UUIDField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # Written (durably) just before a node calls the outside world, cleared with its outcome: a run
    # that finds it set does not know whether the e-mail, post or call happened, so never repeats it
    # blindly.
    effect_started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["execution", "node_id"], name="workflows_noderun_unique_node")]
        indexes = [
            models.Index(fields=["resume_at"], condition=models.Q(status="waiting"), name="workflows_noderun_due"),
            models.Index(
                fields=["lease_expires_at"], condition=models.Q(status="running"), name="workflows_noderun_lease"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.node_id} ({self.node_type}) — {self.status}"
