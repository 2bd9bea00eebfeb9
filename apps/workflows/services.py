"""What the workflows app does: activate, execute, trigger by webhook, cancel, sweep, and run the
workflows of a task. Views, tasks and other apps call these; the engine itself lives in engine/."""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import time
import uuid
from dataclasses import dataclass

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound

from apps.tasks.models import Task
from apps.tasks.services import task_change_status
from common.exceptions import Conflict

from .engine import executor, in_request, store
from .engine.graph import Graph, GraphError, graph_for_snapshot, validate
from .models import NodeRun, Workflow, WorkflowExecution, new_webhook_secret
from .templates_catalog import template_get

logger = logging.getLogger(__name__)

E = WorkflowExecution.Status


def _dispatch_start(execution_id) -> None:
    from .tasks import execute_workflow_send

    transaction.on_commit(lambda: execute_workflow_send(execution_id))


def _graph_problems(workflow: Workflow) -> str:
    errors = validate(workflow.nodes, workflow.edges)
    return "; ".join(message for messages in errors.values() for message in messages)


@transaction.atomic
def workflow_activate(*, workflow: Workflow) -> Workflow:
    workflow = Workflow.objects.select_for_update().get(pk=workflow.pk)
    if not workflow.nodes:
        raise Conflict(_("A workflow without nodes cannot be activated."))
    problems = _graph_problems(workflow)
    if problems:
        raise Conflict(_("The workflow is not valid: %(problems)s") % {"problems": problems})
    if not workflow.is_active:
        workflow.is_active = True
        workflow.save(update_fields=["is_active", "updated_at"])
    return workflow


@transaction.atomic
def workflow_deactivate(*, workflow: Workflow) -> Workflow:
    """Stops new executions; running ones finish."""
    workflow = Workflow.objects.select_for_update().get(pk=workflow.pk)
    if workflow.is_active:
        workflow.is_active = False
        workflow.save(update_fields=["is_active", "updated_at"])
    return workflow


@transaction.atomic
def workflow_rotate_secret(*, workflow: Workflow) -> Workflow:
    """A new webhook secret: the old hook URL answers 404 from now on."""
    workflow.webhook_secret = new_webhook_secret()
    workflow.save(update_fields=["webhook_secret", "updated_at"])
    return workflow


def workflow_hook_path(workflow: Workflow) -> str:
    return f"/api/workflows/{workflow.pk}/hooks/{workflow.webhook_secret}/"


def _snapshot(workflow: Workflow) -> dict:
    return {
        "version": f"{workflow.pk}:{workflow.updated_at.isoformat()}",
        "nodes": workflow.nodes,
        "edges": workflow.edges,
    }


def workflow_execute(
    *,
    workflow: Workflow,
    input_data: dict | None = None,
    trigger: str = WorkflowExecution.Trigger.MANUAL,
    task=None,
    queue: bool = True,
) -> WorkflowExecution:
    """A new execution of an active workflow, queued for a worker once the transaction commits
    (``queue=False``: the caller runs it, e.g. ``engine.execution_run_inline``)."""
    if not workflow.is_active:
        raise Conflict(
            _('Workflow "%(name)s" is not active; activate it before executing it.') % {"name": workflow.name}
        )
    now = timezone.now()
    execution = WorkflowExecution.objects.create(
        workflow=workflow,
        task=task,
        trigger=trigger,
        input_data=input_data or {},
        graph=_snapshot(workflow),
        deadline_at=now + dt.timedelta(seconds=workflow.timeout_seconds),
    )
    if queue:
        _dispatch_start(execution.pk)
    return execution


_HOOK_INSERT = """
    INSERT INTO workflows_workflowexecution
           (id, created_at, updated_at, workflow_id, task_id, status, input_data, output_data, error_message,
            started_at, completed_at, trigger, graph, deadline_at)
    SELECT %s, %s, %s, w.id, NULL, 'pending', %s::jsonb, '{}'::jsonb, '', NULL, NULL, 'webhook',
           jsonb_build_object(
               'version', w.id::text || ':' || extract(epoch FROM w.updated_at)::text,
               'nodes', w.nodes,
               'edges', w.edges
           ),
           %s + make_interval(secs => w.timeout_seconds)
      FROM workflows_workflow w
     WHERE w.id = %s AND w.webhook_secret = %s AND w.is_active
       AND jsonb_path_exists(w.nodes, '$[*] ? (@.type == "webhook_trigger")')
 RETURNING graph->>'version'
"""

_HOOK_READ = """
    SELECT w.updated_at, w.id::text || ':' || extract(epoch FROM w.updated_at)::text, w.name, w.user_id,
           w.timeout_seconds, w.nodes::text, w.edges::text
      FROM workflows_workflow w
     WHERE w.id = %s AND w.webhook_secret = %s AND w.is_active
       AND jsonb_path_exists(w.nodes, '$[*] ? (@.type == "webhook_trigger")')
"""


@dataclass(frozen=True, slots=True)
class _HookedWorkflow:
    """What a web process remembers of a hooked workflow at one version (``updated_at``)."""

    updated_at: dt.datetime
    version: str
    name: str
    user_id: uuid.UUID
    timeout_seconds: int
    graph: Graph | None  # None: not run in the request (a node with side effects, too big, invalid)
    guarded: bool = False  # a node whose time the engine does not bound: run on a guard thread


# (workflow id, secret) → the workflow as last read. Every use is checked against the row by the
# statement that stores the run (same secret, version, still active), so a stale entry costs a
# re-read, never a run of an old graph or after a rotated secret.
_hooked: dict[tuple[str, str], _HookedWorkflow] = {}


def _hooked_read(workflow_id, secret: str) -> _HookedWorkflow | None:
    with connection.cursor() as cursor:
        cursor.execute(_HOOK_READ, [workflow_id, secret])
        row = cursor.fetchone()
    if row is None:
        return None
    updated_at, version, name, user_id, timeout_seconds, nodes_json, edges_json = row
    try:
        snapshot = {"version": version, "nodes": orjson.loads(nodes_json), "edges": orjson.loads(edges_json)}
        graph = graph_for_snapshot(snapshot)
    except GraphError:
        graph = None  # the queued run fails it, with the reason
    if graph is not None and not in_request.graph_is_pure(graph, settings.WORKFLOW_HOOK_INLINE_MAX_NODES):
        graph = None
    guarded = graph is not None and in_request.graph_needs_guard(graph)
    hooked = _HookedWorkflow(updated_at, version, name, user_id, timeout_seconds, graph, guarded)
    if len(_hooked) >= 1024:
        _hooked.clear()
    _hooked[(str(workflow_id), secret)] = hooked
    return hooked


# (workflow id, secret) → (version, monotonic time): a guarded run of that version overran the
# budget, so hooks are queued without trying until then (no web thread waits on it again meanwhile).
_over_budget: dict[tuple[str, str], tuple[str, float]] = {}
OVER_BUDGET_QUEUE_SECONDS = 60


@dataclass(frozen=True, slots=True)
class HookStarted:
    """What the hook answers with. Not a WorkflowExecution: building a model instance for these two
    fields costs 28 µs against 1.2 µs for this (timeit), about 1% of a hook request's CPU (issue 18)."""

    pk: uuid.UUID
    status: str


def _hook_run_in_request(workflow_id, secret: str, input_data: dict) -> HookStarted | None:
    """Run a pure workflow now and store it whole (engine/in_request.py); None when it must be
    queued instead (a node with side effects, a retry to wait for, over the time budget, or no such
    active hook)."""
    key = (str(workflow_id), secret)
    hooked = _hooked.get(key)
    for _attempt in range(2):
        if hooked is None:
            hooked = _hooked_read(workflow_id, secret)
        if hooked is None or hooked.graph is None:
            return None
        if hooked.guarded and key in _over_budget:
            version, until = _over_budget[key]
            if version == hooked.version and time.monotonic() < until:
                return None
            _over_budget.pop(key, None)
        now = timezone.now()
        execution_id = uuid.uuid4()
        row = store.ExecutionRow(
            id=execution_id,
            status=E.RUNNING,
            graph={},
            input_data=input_data,
            task_id=None,
            workflow_id=workflow_id,
            workflow_name=hooked.name,
            user_id=hooked.user_id,
            deadline_at=now + dt.timedelta(seconds=hooked.timeout_seconds),
            fresh=True,
        )
        try:
            status, error, output, states = in_request.execution_run_in_memory(
                row, hooked.graph, guarded=hooked.guarded
            )
        except in_request.OverBudget:
            if len(_over_budget) >= 1024:
                _over_budget.clear()
            _over_budget[key] = (hooked.version, time.monotonic() + OVER_BUDGET_QUEUE_SECONDS)
            return None
        except in_request.NeedsWorker:
            return None
        if store.execution_insert_finished(
            execution_id=execution_id,
            workflow_id=workflow_id,
            secret=secret,
            workflow_updated_at=hooked.updated_at,
            trigger=WorkflowExecution.Trigger.WEBHOOK,
            input_data=input_data,
            deadline_at=row.deadline_at,
            created_at=now,
            completed_at=timezone.now(),
            status=status,
            error=error,
            output=output,
            states=states,
        ):
            return HookStarted(execution_id, status)
        # The workflow changed since this process read it (edited, deactivated, secret rotated).
        _hooked.pop(key, None)
        hooked = None
    return None


def workflow_hook_trigger(*, workflow_id, secret: str, payload) -> HookStarted:
    """The inbound webhook: the secret is the credential; a wrong one answers 404 like a missing workflow.

    A workflow without side effects (trigger, transforms, conditions; at most
    WORKFLOW_HOOK_INLINE_MAX_NODES nodes) runs in the request and is stored finished, in one
    statement on the hot path. Any other is queued: one statement that checks the secret, the state
    and the trigger node and copies the graph into the new execution. Only a refusal takes the slow
    path that says why.
    """
    input_data = payload if isinstance(payload, dict) else {"body": payload}
    secret = str(secret)
    if settings.WORKFLOW_HOOK_INLINE_MAX_NODES > 0:
        execution = _hook_run_in_request(workflow_id, secret, input_data)
        if execution is not None:
            return execution
    now = timezone.now()
    execution_id = uuid.uuid4()
    with connection.cursor() as cursor:
        cursor.execute(
            _HOOK_INSERT,
            [execution_id, now, now, json.dumps(input_data, ensure_ascii=False), now, workflow_id, secret],
        )
        created = cursor.fetchone()
    if created is not None:
        remembered = _hooked.get((str(workflow_id), secret))
        if remembered is not None and remembered.version != created[0]:
            _hooked.pop((str(workflow_id), secret), None)  # edited since: read it again next time
        _dispatch_start(execution_id)
        return HookStarted(execution_id, E.PENDING)
    workflow = Workflow.objects.filter(pk=workflow_id).first()
    if workflow is None or not hmac.compare_digest(workflow.webhook_secret.encode(), secret.encode()):
        raise NotFound(_("No such hook."))
    if not any(node.get("type") == "webhook_trigger" for node in workflow.nodes if isinstance(node, dict)):
        raise Conflict(_("This workflow has no webhook trigger node."))
    execution = workflow_execute(workflow=workflow, input_data=input_data, trigger=WorkflowExecution.Trigger.WEBHOOK)
    return HookStarted(execution.pk, execution.status)


@transaction.atomic
def workflow_instantiate_template(*, user, key: str, name: str = "") -> Workflow:
    """Copy a shipped template (or one of the user's own workflows marked as a template)."""
    template = template_get(key)
    if template is not None:
        return Workflow.objects.create(
            user=user,
            name=name or template["name"],
            description=template["description"],
            nodes=template["nodes"],
            edges=template["edges"],
            template_key=key,
        )
    try:
        source = Workflow.objects.filter(pk=uuid.UUID(str(key)), user=user, is_template=True).first()
    except ValueError:
        source = None
    if source is None:
        raise NotFound(_("No workflow template %(key)r.") % {"key": key})
    return Workflow.objects.create(
        user=user,
        name=name or source.name,
        description=source.description,
        nodes=source.nodes,
        edges=source.edges,
        timeout_seconds=source.timeout_seconds,
        template_key=str(source.pk),
    )


@transaction.atomic
def execution_cancel(*, execution: WorkflowExecution) -> WorkflowExecution:
    """Stop a pending or running execution: nothing not yet started will run; a node running now
    finishes its call (its result is recorded) and the run stops there."""
    execution = WorkflowExecution.objects.select_for_update().get(pk=execution.pk)
    if execution.is_finished:
        raise Conflict(
            _("This execution is already %(status)s; only a pending or running one can be cancelled.")
            % {"status": execution.status}
        )
    store.execution_finish(execution.pk, status=E.CANCELLED, now=timezone.now(), error="cancelled by the user")
    if execution.task_id:
        task_settle_after_execution(task_id=execution.task_id)
    execution.refresh_from_db()
    return execution


def executions_sweep(*, dispatcher: executor.Dispatcher, now: dt.datetime | None = None, limit: int = 500) -> dict:
    """The durable safety net run by beat: resume due waits, take over nodes whose worker died,
    restart stalled executions and fail those past their deadline."""
    now = now or timezone.now()
    counts = {"resumed": 0, "taken_over": 0, "restarted": 0, "timed_out": 0}

    late = WorkflowExecution.objects.filter(status__in=[E.PENDING, E.RUNNING], deadline_at__lte=now).values_list(
        "pk", "task_id", "deadline_at"
    )[:limit]
    for execution_id, task_id, deadline in late:
        with transaction.atomic():
            if store.execution_finish(
                execution_id,
                status=E.FAILED,
                now=now,
                error=f"execution timed out: it did not finish before its deadline {deadline.isoformat()}",
            ):
                counts["timed_out"] += 1
                if task_id:
                    task_settle_after_execution(task_id=task_id)

    due = NodeRun.objects.filter(
        status=NodeRun.Status.WAITING, resume_at__lte=now, execution__status=E.RUNNING
    ).values_list("execution_id", "node_id")[:limit]
    for execution_id, node_id in due:
        dispatcher_resume(dispatcher, execution_id, node_id)
        counts["resumed"] += 1

    expired = NodeRun.objects.filter(
        status=NodeRun.Status.RUNNING, lease_expires_at__lt=now, execution__status=E.RUNNING
    ).values_list("execution_id", "node_id", "claim", "node_type")[:limit]
    for execution_id, node_id, old_claim, node_type in expired:
        from .engine.registry import registry

        node_class = registry.get(node_type)
        lease = now + dt.timedelta(seconds=node_class.lease_seconds if node_class else 300)
        claim = uuid.uuid4()
        with transaction.atomic():
            taken = store.node_run_take_over(
                execution_id, node_id, old_claim=old_claim, claim=claim, now=now, lease_until=lease
            )
        if taken:
            logger.warning("workflow node %s of %s: lease expired, running it again", node_id, execution_id)
            dispatcher.branch(execution_id, node_id, claim)
            counts["taken_over"] += 1

    stall_before = now - dt.timedelta(seconds=settings.WORKFLOW_STALL_SECONDS)
    live_node = NodeRun.objects.filter(execution=OuterRef("pk")).filter(
        Q(status=NodeRun.Status.WAITING) | Q(status=NodeRun.Status.RUNNING, lease_expires_at__gte=now)
    )
    stalled = (
        WorkflowExecution.objects.filter(status__in=[E.PENDING, E.RUNNING], updated_at__lt=stall_before)
        .exclude(Exists(live_node))
        .values_list("pk", flat=True)[:limit]
    )
    for execution_id in stalled:
        dispatcher_advance(dispatcher, execution_id)
        counts["restarted"] += 1
    return counts


def dispatcher_resume(dispatcher: executor.Dispatcher, execution_id, node_id: str) -> None:
    if dispatcher.parallel:
        from .tasks import resume_workflow_node

        resume_workflow_node.apply_async((str(execution_id), node_id))
    else:
        executor.execution_resume_node(execution_id, node_id, dispatcher=dispatcher)


def dispatcher_advance(dispatcher: executor.Dispatcher, execution_id) -> None:
    if dispatcher.parallel:
        from .tasks import execute_workflow

        execute_workflow.apply_async((str(execution_id),))
    else:
        executor.execution_advance(execution_id, dispatcher=dispatcher)


# ---------------------------------------------------------------------- tasks and workflows


@transaction.atomic
def task_execute_workflows(*, task, user) -> list[WorkflowExecution]:
    """Run every active workflow linked to the task, each with ``task.workflow_data[str(workflow_id)]``
    as input. The creator linked them (only his own can be linked), so the assignee who works the task
    runs them too; a workflow of anyone else never runs. The task moves to in_progress, then to
    completed when every execution completes or failed when one fails or is cancelled."""
    task = Task.objects.select_for_update().get(pk=task.pk)
    if not task.workflow_ids:
        raise Conflict(_("This task has no linked workflows."))
    owners = {task.created_by_id, user.pk}
    linked = Workflow.objects.filter(pk__in=task.workflow_ids, user_id__in=owners, is_active=True)
    workflows = {w.pk: w for w in linked}
    if not workflows:
        raise Conflict(_("None of the workflows linked to this task is active."))
    if task.executions.filter(status__in=[E.PENDING, E.RUNNING]).exists():
        raise Conflict(_("This task's workflows are already running."))
    workflow_data = task.workflow_data if isinstance(task.workflow_data, dict) else {}
    executions = []
    for workflow_id in dict.fromkeys(task.workflow_ids):
        workflow = workflows.get(workflow_id)
        if workflow is None:
            continue
        input_data = workflow_data.get(str(workflow_id)) or {}
        if not isinstance(input_data, dict):
            input_data = {"value": input_data}
        executions.append(
            workflow_execute(
                workflow=workflow, input_data=input_data, trigger=WorkflowExecution.Trigger.TASK, task=task
            )
        )
    task_change_status(task=task, status=Task.Status.IN_PROGRESS, user=user)
    return executions


def task_settle_after_execution(*, task_id) -> None:
    """An execution of the task finished: once the latest execution of every linked workflow has
    finished, the task is completed (all completed) or failed (any failed or cancelled)."""
    with transaction.atomic():
        task = Task.objects.select_for_update().filter(pk=task_id).first()
        if task is None or task.status != Task.Status.IN_PROGRESS:
            return  # someone changed it by hand meanwhile: their word stands
        latest = (
            WorkflowExecution.objects.filter(task_id=task_id)
            .order_by("workflow_id", "-created_at")
            .distinct("workflow_id")
            .values_list("status", flat=True)
        )
        statuses = list(latest)
        if not statuses or any(status not in WorkflowExecution.FINISHED for status in statuses):
            return
        outcome = Task.Status.COMPLETED if all(status == E.COMPLETED for status in statuses) else Task.Status.FAILED
        task_change_status(task=task, status=outcome)
