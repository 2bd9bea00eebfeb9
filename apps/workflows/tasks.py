"""Celery tasks of the workflow engine (queue "workflows"). They take ids, reload state from the
database and are safe to run twice: node claims in the database decide what is already done."""

from __future__ import annotations

import datetime as dt

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
