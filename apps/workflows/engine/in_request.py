"""Pure workflows run where they are triggered: a webhook whose graph has no node with side effects
(only triggers, transforms and conditions) is run in the request, in memory, and stored in one
statement — the execution with its final status and every node run. No broker hop, no worker, no
claim: nothing in such a run can happen twice, and a crash before the statement leaves nothing
behind (the caller sees an error and may post again).

Anything that needs time or a worker (a node waiting for a retry's backoff) gives the run up
before anything is written; the caller then queues it as before and a worker computes it again.

The web thread spends at most WORKFLOW_HOOK_INLINE_BUDGET_MS on a run. Between nodes the executor
checks it; within a node only the engine's own types bound their time (``Node.time_bounded``). A
graph with any other pure node (a plugin's, which may sleep or call out however its author chose)
runs on a guard thread that the request waits for only until the budget is spent; past it the run
is queued and its unfinished computation, which writes nothing, is left to end at its next node.
"""

from __future__ import annotations

import contextvars
import copy
import dataclasses
import itertools
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings
from django.db import connections
from django.utils import translation

from apps.workflows.models import WorkflowExecution
from common.metrics import WORKFLOW_GUARD_THREADS_ABANDONED

from .executor import InlineDispatcher, WorkflowExecutor
from .graph import Graph
from .store import ExecutionRow, NodeState

E = WorkflowExecution.Status
logger = logging.getLogger(__name__)


class NeedsWorker(Exception):
    """The run cannot finish in memory; queue it instead (nothing was written)."""


class OverBudget(NeedsWorker):
    """A guarded run was still going when the budget was spent: queue this one, and the next few."""


def graph_is_pure(graph: Graph, max_nodes: int) -> bool:
    """Whether a run of this graph may happen in the request: small, and no node with side effects."""
    return len(graph.nodes) <= max_nodes and not any(t.side_effects for t in graph.types.values())


def graph_needs_guard(graph: Graph) -> bool:
    """Whether a node of the graph may take longer than the engine can tell (see the module's doc)."""
    return not all(t.time_bounded for t in graph.types.values())


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


def execution_run_in_memory(
    row: ExecutionRow, graph: Graph, *, guarded: bool = False
) -> tuple[str, str, dict, list[NodeState]]:
    """The run's outcome; NeedsWorker when it must be queued (OverBudget when a guarded run was late)."""
    if not guarded:
        return InMemoryExecutor(row, graph).run()
    # An abandoned guarded run goes on with its input while the request queues the same input: each
    # has its own copy, so a plugin that changes its input changes neither the stored row nor the answer.
    return _run_guarded(InMemoryExecutor(dataclasses.replace(row, input_data=copy.deepcopy(row.input_data)), graph))


# Guard threads of this process. A run abandoned at the budget keeps its thread until its current
# node returns; with every guard slot held, further guarded runs are queued at once rather than wait.
# A run still holding its slot WORKFLOW_HOOK_GUARD_HARD_LIMIT_SECONDS after it started (a plugin node
# that hangs) gives the slot up when a new run needs one: its thread is abandoned (it ends whenever
# the node returns, and writes nothing) and a fresh pool thread takes the new run. At most
# GUARD_ABANDONED_MAX threads are left so: past that, a hung run keeps its slot as before (logged once
# until a guarded run ends). A process may thus hold GUARD_THREADS + GUARD_ABANDONED_MAX (20)
# guard threads, each possibly with a database connection of its own (closed when its node returns).
GUARD_THREADS = 4
GUARD_ABANDONED_MAX = 16
_guard_pool = ThreadPoolExecutor(
    max_workers=GUARD_THREADS + GUARD_ABANDONED_MAX, thread_name_prefix="workflow-hook-guard"
)
_guard_lock = threading.Lock()
_guard_running: dict[int, float] = {}  # run number → monotonic start, the runs holding a slot
_guard_abandoned: set[int] = set()  # runs whose thread was given up on and has not ended yet
_guard_numbers = itertools.count()
_guard_exhausted = False  # no slot could be freed and that was logged (once, until a guarded run ends)


def _guard_abandon_hung(now: float) -> None:
    """Under _guard_lock: give up on the runs past the hard limit, oldest first."""
    global _guard_exhausted
    limit = settings.WORKFLOW_HOOK_GUARD_HARD_LIMIT_SECONDS
    for number, started in sorted(_guard_running.items(), key=lambda item: item[1]):
        if now - started < limit:
            return
        if len(_guard_abandoned) >= GUARD_ABANDONED_MAX:
            if not _guard_exhausted:  # once until an abandoned thread ends, not on every hook
                _guard_exhausted = True
                logger.error(
                    "workflow hook guard: %d abandoned threads still hang (GUARD_ABANDONED_MAX); hooks of "
                    "graphs with a plugin node are queued until one ends",
                    len(_guard_abandoned),
                )
            return
        del _guard_running[number]
        _guard_abandoned.add(number)
        WORKFLOW_GUARD_THREADS_ABANDONED.inc()
        logger.warning(
            "workflow hook guard thread abandoned: a pure plugin node has run %.1f s, past "
            "WORKFLOW_HOOK_GUARD_HARD_LIMIT_SECONDS; %d abandoned threads still hang",
            now - started,
            len(_guard_abandoned),
        )


def _guard_take() -> int | None:
    """A guard slot for a new run (its number), or None when every slot is held."""
    now = time.monotonic()
    with _guard_lock:
        if len(_guard_running) >= GUARD_THREADS:
            _guard_abandon_hung(now)
        if len(_guard_running) >= GUARD_THREADS:
            return None
        number = next(_guard_numbers)
        _guard_running[number] = now
        return number


def _guard_give_back(number: int) -> None:
    global _guard_exhausted
    with _guard_lock:
        _guard_running.pop(number, None)
        _guard_abandoned.discard(number)
        if _guard_exhausted:  # a slot or an abandoned thread is free again
            _guard_exhausted = False
            logger.warning(
                "workflow hook guard: a guarded run ended; %d abandoned threads still hang", len(_guard_abandoned)
            )


def _run_guarded(executor: InMemoryExecutor) -> tuple[str, str, dict, list[NodeState]]:
    number = _guard_take()
    if number is None:
        raise NeedsWorker
    language = translation.get_language()

    def run():
        try:
            with translation.override(language):
                return executor.run()
        finally:
            connections.close_all()  # a plugin that read the database did so on this thread's own connection
            _guard_give_back(number)

    future = _guard_pool.submit(contextvars.copy_context().run, run)  # the request's id and user in its log lines
    try:
        return future.result(timeout=max(executor._budget_end - time.monotonic(), 0))
    except FutureTimeout:
        raise OverBudget from None
