"""Pure workflows run where they are triggered: a webhook whose graph has no node with side effects
(only triggers, transforms and conditions) is run in the request, in memory, and stored in one
statement — the execution with its final status and every node run. No broker hop, no worker, no
claim: nothing in such a run can happen twice, and a crash before the statement leaves nothing
behind (the caller sees an error and may post again).

Anything that needs time or a worker (a node waiting for a retry's backoff) gives the run up
before anything is written; the caller then queues it as before and a worker computes it again.
"""

from __future__ import annotations

import time

from django.conf import settings

from apps.workflows.models import WorkflowExecution

from .executor import InlineDispatcher, WorkflowExecutor
from .graph import Graph
from .store import ExecutionRow, NodeState

E = WorkflowExecution.Status


class NeedsWorker(Exception):
    """The run cannot finish in memory; queue it instead (nothing was written)."""


def graph_is_pure(graph: Graph, max_nodes: int) -> bool:
    """Whether a run of this graph may happen in the request: small, and no node with side effects."""
    return len(graph.nodes) <= max_nodes and not any(t.side_effects for t in graph.types.values())


class InMemoryExecutor(WorkflowExecutor):
    """The executor with its writes held back: the run ends completed or failed, in memory."""

    def __init__(self, row: ExecutionRow, graph: Graph):
        super().__init__(row, graph, {}, InlineDispatcher())
        self.outcome: tuple[str, str] | None = None  # (status, error message)
        # A web thread's time is the site's: a run longer than the budget (slow expressions, many
        # nodes) is given up before any write and queued, and the hook still answers at once.
        self._budget_end = time.monotonic() + settings.WORKFLOW_HOOK_INLINE_BUDGET_MS / 1000

    def _past_deadline(self) -> bool:
        if time.monotonic() >= self._budget_end:
            raise NeedsWorker
        return super()._past_deadline()

    def _flush(self, claims=None) -> set[str]:
        # Called for a claim (a node with side effects), a waiting node, or a failure about to end
        # the run; only the last is possible here without a worker.
        if claims or any(state.status == "waiting" for state in self.states.values()):
            raise NeedsWorker
        return set()

    def _terminate(self, status: str, message: str) -> None:
        self.outcome = (status, message)
        self.finished = True

    def _sync(self, owned) -> bool:
        if not self._all_decided():
            raise NeedsWorker
        failure = self._unhandled_failure()
        self.outcome = (E.FAILED, failure) if failure else (E.COMPLETED, "")
        self.finished = True
        return False

    def _send_pending(self) -> None:
        if self._pending_branches or self._pending_resumes:
            raise NeedsWorker

    def run(self) -> tuple[str, str, dict, list[NodeState]]:
        """(status, error, output, node states) of the whole run; NeedsWorker when it cannot end here."""
        self.start()
        if self.outcome is None:
            raise NeedsWorker
        status, error = self.outcome
        output = self._output() if status == E.COMPLETED else {}
        return status, error, output, list(self.states.values())


def execution_run_in_memory(row: ExecutionRow, graph: Graph) -> tuple[str, str, dict, list[NodeState]]:
    return InMemoryExecutor(row, graph).run()
