"""Workflows: node graphs (React Flow JSON), their executions and the stored run of every node."""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.models import BaseModel


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(24)


class Workflow(BaseModel):
    name = models.CharField(max_length=200, verbose_name=_("name"))
    description = models.TextField(blank=True, default="", verbose_name=_("description"))
    nodes = models.JSONField(default=list, blank=True, verbose_name=_("nodes"))
    edges = models.JSONField(default=list, blank=True, verbose_name=_("edges"))
    is_active = models.BooleanField(default=False, verbose_name=_("active"))
    is_template = models.BooleanField(default=False, verbose_name=_("is a template"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workflows", verbose_name=_("user")
    )
    # The webhook trigger URL carries this secret instead of a JWT; rotating it revokes old URLs.
    webhook_secret = models.CharField(max_length=64, default=new_webhook_secret, verbose_name=_("webhook secret"))
    timeout_seconds = models.PositiveIntegerField(
        default=24 * 60 * 60,
        validators=[MinValueValidator(1), MaxValueValidator(90 * 24 * 60 * 60)],
        help_text=_("An execution still unfinished this long after it started fails as timed out."),
        verbose_name=_("timeout seconds"),
    )
    template_key = models.CharField(
        max_length=100,
        blank=True,
        default="",
        help_text=_("The shipped template this workflow was copied from."),
        verbose_name=_("template key"),
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("workflow")
        verbose_name_plural = _("workflows")
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return self.name


class WorkflowExecution(BaseModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    class Trigger(models.TextChoices):
        MANUAL = "manual", _("Manual (API)")
        WEBHOOK = "webhook", _("Webhook")
        TASK = "task", _("Task")

    FINISHED = (Status.COMPLETED, Status.FAILED, Status.CANCELLED)
    # What the webhook trigger answers: queued (pending), or run in the request and stored finished.
    HOOK_ANSWER_STATUSES = [
        (status.value, status.label) for status in (Status.PENDING, Status.COMPLETED, Status.FAILED)
    ]

    # Indexed by (workflow, -created_at) below: a second index on the column alone only costs writes.
    workflow = models.ForeignKey(
        Workflow, on_delete=models.CASCADE, related_name="executions", db_index=False, verbose_name=_("workflow")
    )
    # Most executions (webhook, manual) have no task: the index holds only those that do.
    task = models.ForeignKey(
        "tasks.Task",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="executions",
        db_index=False,
        verbose_name=_("task"),
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, verbose_name=_("status"))
    input_data = models.JSONField(default=dict, blank=True, verbose_name=_("input data"))
    output_data = models.JSONField(default=dict, blank=True, verbose_name=_("output data"))
    error_message = models.TextField(blank=True, default="", verbose_name=_("error message"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    completed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("completed at"))
    trigger = models.CharField(
        max_length=20, choices=Trigger.choices, default=Trigger.MANUAL, verbose_name=_("trigger")
    )
    # The graph as it was when the execution started: editing the workflow never changes a run.
    graph = models.JSONField(default=dict, blank=True, verbose_name=_("graph"))
    deadline_at = models.DateTimeField(null=True, blank=True, verbose_name=_("deadline at"))

    class Meta(BaseModel.Meta):
        verbose_name = _("workflow execution")
        verbose_name_plural = _("workflow executions")
        indexes = [
            models.Index(fields=["workflow", "-created_at"]),
            models.Index(fields=["status", "updated_at"]),
            models.Index(fields=["task"], condition=models.Q(task__isnull=False), name="workflows_execution_task"),
        ]

    def __str__(self) -> str:
        return f"{self.workflow} — {self.status}"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED


class NodeRun(models.Model):
    """One node of one execution: claimed in the database before a side effect, settled right after."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")
        WAITING = "waiting", _("Waiting")

    DECIDED = (Status.COMPLETED, Status.FAILED, Status.SKIPPED)

    id = models.BigAutoField(primary_key=True, verbose_name=_("ID"))
    # Indexed by the unique (execution, node_id) constraint below, whose first column it is.
    execution = models.ForeignKey(
        WorkflowExecution,
        on_delete=models.CASCADE,
        related_name="node_runs",
        db_index=False,
        verbose_name=_("execution"),
    )
    node_id = models.CharField(max_length=100, verbose_name=_("node ID"))
    node_type = models.CharField(max_length=60, verbose_name=_("node type"))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, verbose_name=_("status"))
    # The branch the node took: "main", "true"/"false" for a condition, "error" for a caught failure.
    branch = models.CharField(max_length=20, blank=True, default="", verbose_name=_("branch"))
    input = models.JSONField(default=dict, blank=True, verbose_name=_("input"))
    output = models.JSONField(default=dict, blank=True, verbose_name=_("output"))
    error = models.TextField(blank=True, default="", verbose_name=_("error"))
    attempt = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempt"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    # Waiting (a delay, or a retry's backoff): when the run continues.
    resume_at = models.DateTimeField(null=True, blank=True, verbose_name=_("resume at"))
    # Running: who holds the node and until when; an expired lease means the worker died.
    claim = models.UUIDField(null=True, blank=True, verbose_name=_("claim"))
    lease_expires_at = models.DateTimeField(null=True, blank=True, verbose_name=_("lease expires at"))
    # Written (durably) just before a node calls the outside world, cleared with its outcome: a run
    # that finds it set does not know whether the e-mail, post or call happened, so never repeats it
    # blindly.
    effect_started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("effect started at"))

    class Meta:
        verbose_name = _("node run")
        verbose_name_plural = _("node runs")
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
