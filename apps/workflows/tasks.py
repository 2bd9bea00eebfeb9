"""Celery tasks of the workflow engine (queue "workflows"). They take ids, reload state from the
database and are safe to run twice: node claims in the database decide what is already done."""

from __future__ import annotations

import datetime as dt
import functools
import uuid

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .engine.executor import Dispatcher, execution_advance, execution_resume_node, execution_run_branch


class CeleryDispatcher(Dispatcher):
    """Extra branches go to other workers; near waits get a countdown task (the sweep is the fallback)."""

    parallel = True

    def branch(self, execution_id, node_id, claim) -> None:
        args = (str(execution_id), node_id, str(claim))
        transaction.on_commit(lambda: run_workflow_branch.apply_async(args))

    def resume_at(self, execution_id, node_id, when: dt.datetime) -> None:
        if (when - timezone.now()).total_seconds() <= settings.WORKFLOW_ETA_MAX_SECONDS:
            args = (str(execution_id), node_id)
            transaction.on_commit(lambda: resume_workflow_node.apply_async(args, eta=when))


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def execute_workflow(execution_id: str) -> None:
    """Start a pending execution (or continue a running one from its stored state)."""
    execution_advance(execution_id, dispatcher=CeleryDispatcher())


@functools.cache
def _start_options() -> tuple[dict, dict]:
    """What ``execute_workflow.apply_async`` works out on every call (the task's options and its
    route), worked out once: (arguments of create_task_message, arguments of send_task_message)."""
    task = execute_workflow
    options = {key: value for key, value in task._get_exec_options().items() if value is not None}
    message = {key: options.pop(key, None) for key in ("time_limit", "soft_time_limit", "expires")}
    options.pop("ignore_result", None)
    return message, task.app.amqp.router.route(options, task.name, (), {}, task)


def execute_workflow_send(execution_id) -> None:
    """``execute_workflow.apply_async((execution_id,))`` for the start of a run, at about half its CPU.

    apply_async merges the task's options, routes and builds a result object on every call, which
    is most of a webhook request's cost in the web process. This sends the same message (same
    headers, queue, serializer, limits, publish retry policy and signals) through Celery's own
    create_task_message/send_task_message with the options worked out once per process. Inside a
    worker (parent/root ids to inherit) and in eager mode it is plain apply_async.
    """
    app = execute_workflow.app
    if app.conf.task_always_eager or app.current_worker_task is not None:
        execute_workflow.apply_async((str(execution_id),))
        return
    limits, route = _start_options()
    task_id = str(uuid.uuid4())
    message = app.amqp.create_task_message(
        task_id,
        execute_workflow.name,
        (str(execution_id),),
        {},
        reply_to=app.thread_oid,
        create_sent_event=app.conf.task_send_sent_event,
        ignore_result=True,
        **limits,
    )
    with app.producer_or_acquire() as producer, producer.connection._reraise_as_library_errors():
        app.amqp.send_task_message(producer, execute_workflow.name, message, **route)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_workflow_branch(execution_id: str, node_id: str, claim: str) -> None:
    """Run one parallel branch that another worker claimed for this task."""
    execution_run_branch(execution_id, node_id, claim, dispatcher=CeleryDispatcher())


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def resume_workflow_node(execution_id: str, node_id: str) -> None:
    """Continue a waiting node (a delay's time, a retry's backoff) once it is due."""
    execution_resume_node(execution_id, node_id, dispatcher=CeleryDispatcher())


@shared_task(ignore_result=True)
def sweep_workflow_executions() -> dict:
    """Beat: resume due waits, take over nodes of dead workers, restart stalled runs, time out late ones."""
    from .services import executions_sweep

    return executions_sweep(dispatcher=CeleryDispatcher())
