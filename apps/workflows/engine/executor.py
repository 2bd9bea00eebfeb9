"""The workflow executor: walks an execution's graph from its start nodes to the end, durably.

How a run proceeds
- A node is ready when every incoming edge is decided (its source finished) and at least one of them
  is active; when all are decided and none is active the node is skipped, and the skip propagates.
  So a join waits for all its active upstream branches, and a condition's untaken branch is skipped.
- An edge is active when its source completed on that handle ("main", or "true"/"false" for a
  condition), or when its source failed and the edge is the source's "error" branch.
- A runner (one Celery task, or the caller in inline mode) keeps going down the graph in memory.
  When a node fans out, its pure successors (transform, condition) stay in this runner, which runs
  them one after another with no broker hop; extra branches that start with a node with side
  effects are claimed in the database and sent to other workers.
- Durability: nodes with side effects (e-mail, Slack, webhooks, tasks, delays) are claimed in the
  database (a running row with a claim token and a lease) before they run and recorded as soon as
  they finish, so a worker killed mid-run never re-runs a completed one. Pure nodes (transform,
  condition, triggers) may be recomputed after a crash, so their runs are written in bulk.
- Outside effects (e-mail, Slack, webhook) happen once per run and node: the node run records
  ``effect_started_at`` before the call and clears it with the outcome. A redelivered or taken-over
  node that finds it set fails as "outcome unknown" instead of calling again, unless the receiver
  deduplicates by key (the webhook's Idempotency-Key). A lost database connection does not lose a
  known outcome: its write is retried for half the node's lease (the one wait in a worker).
- A node's data and output must be storable JSON; one that is not fails the node with the reason.
- A node that waits (a delay, or a retry's backoff) is stored as waiting with ``resume_at``; a
  scheduled task, and the beat sweep as the durable fallback, continue it. No worker ever sleeps.
- Every write of node runs happens with the execution row locked, so parallel branches settling at
  the same moment see each other and a join is claimed exactly once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
import uuid
from collections import deque

from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from apps.workflows.models import NodeRun, WorkflowExecution
from apps.workflows.nodes.base import ERROR, MAIN, NodeCall, NodeError, NodeResult

from . import store
from .context import WorkflowContext
from .graph import Graph, GraphError, graph_for_snapshot
from .store import NodeState
from .templating import TemplateRenderError, render_data

logger = logging.getLogger(__name__)

S = NodeRun.Status
E = WorkflowExecution.Status

READY, SKIP, UNKNOWN = "ready", "skip", "unknown"
RETRY = "retry"  # the branch field of a node waiting for its next attempt
MAX_ERROR_LENGTH = 4000


class Dispatcher:
    """Where extra branches and later continuations go. The Celery one is in apps.workflows.tasks."""

    parallel = False

    def branch(self, execution_id, node_id: str, claim: uuid.UUID) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def resume_at(self, execution_id, node_id: str, when: dt.datetime) -> None:
        """A waiting node is due at ``when``; the beat sweep finds it anyway."""

    def finished(self, execution_id) -> None:
        """The execution reached a final state (completed, failed, cancelled)."""


class InlineDispatcher(Dispatcher):
    """Run everything in the calling process, one branch after another (tests, benchmarks, shell)."""

    parallel = False


def _unknown_outcome_message(started_at: dt.datetime) -> str:
    return (
        f"outcome unknown: an attempt started at {started_at.astimezone(dt.UTC).isoformat()} and its worker "
        "stopped before recording what happened; not repeated, so that nothing is sent twice"
    )


def _truncate(message: str) -> str:
    message = message.replace("\x00", "\\x00")  # PostgreSQL text cannot hold a NUL
    return message if len(message) <= MAX_ERROR_LENGTH else message[: MAX_ERROR_LENGTH - 1] + "…"


class WorkflowExecutor:
    def __init__(self, row: store.ExecutionRow, graph: Graph, states: dict[str, NodeState], dispatcher: Dispatcher):
        self.row = row
        self.execution_id = row.id
        self.graph = graph
        self.states = states
        self.dispatcher = dispatcher
        self.finished = False
        self.context = WorkflowContext(
            execution_id=row.id,
            workflow_id=row.workflow_id,
            workflow_name=row.workflow_name,
            user_id=row.user_id,
            task_id=row.task_id,
            input_data=row.input_data,
        )
        for node_id, state in states.items():
            if state.status in (S.COMPLETED, S.FAILED):
                self.context.set_node(node_id, state.status, state.output)
        self._pending_branches: list[tuple[str, uuid.UUID]] = []
        self._pending_resumes: list[tuple[str, dt.datetime]] = []

    # ------------------------------------------------------------------ entry points

    @classmethod
    def open(cls, execution_id, dispatcher: Dispatcher, now: dt.datetime | None = None) -> WorkflowExecutor | None:
        """Load a running execution (starting it if pending); None when there is nothing to do."""
        now = now or timezone.now()
        row = store.execution_claim_start(execution_id, now)
        if row is None:
            row = store.execution_load(execution_id)
            if row is None or row.status != E.RUNNING:
                return None
            states = store.node_runs_load(execution_id)
        else:
            states = {}
        try:
            graph = graph_for_snapshot(row.graph)
        except GraphError as exc:
            with transaction.atomic():
                store.execution_finish(execution_id, status=E.FAILED, now=now, error=f"invalid graph: {exc}")
            dispatcher.finished(execution_id)
            return None
        return cls(row, graph, states, dispatcher)

    def start(self) -> None:
        """Run from the start nodes (fresh), or pick up whatever is ready (a resumed execution)."""
        if self.row.fresh:
            start = list(self.graph.start)
            if len(start) > 1 and self.dispatcher.parallel:
                start, away = self._split_branches(start)
                if away:
                    claims = self._unclaimed(away)
                    won = self._flush(claims=claims)
                    self._pending_branches.extend((c.node_id, c.claim) for c in claims if c.node_id in won)
                    self._send_pending()
            self.drive(deque(start))
        else:
            self.drive(deque())

    def continue_branch(self, node_id: str, claim: uuid.UUID) -> None:
        """A branch another runner claimed for us."""
        state = self.states.get(node_id)
        if state is None or state.status != S.RUNNING or state.claim != claim:
            return  # already run (a redelivered message), or taken over after a lease expired
        self.drive(deque([node_id]))

    def resume_waiting(self, node_id: str, now: dt.datetime | None = None) -> None:
        """A delay's time has come, or a retry's backoff is over."""
        now = now or timezone.now()
        state = self.states.get(node_id)
        if state is None or state.status != S.WAITING:
            return
        claim = uuid.uuid4()
        lease = now + dt.timedelta(seconds=self.graph.types[node_id].lease_seconds)
        with transaction.atomic():
            if not store.execution_lock(self.execution_id, now):
                return
            if not store.node_run_take_waiting(self.execution_id, node_id, now=now, claim=claim, lease_until=lease):
                return
        state.status, state.claim, state.lease_expires_at = S.RUNNING, claim, lease
        self.drive(deque([node_id]))

    # ------------------------------------------------------------------ the loop

    def drive(self, owned: deque) -> None:
        try:
            while not self.finished:
                while owned and not self.finished:
                    node_id = owned.popleft()
                    if self._past_deadline():
                        self._terminate(E.FAILED, self._timeout_message())
                        return
                    self._run_node(node_id, owned)
                if self.finished:
                    return
                if not self._sync(owned):
                    return
        finally:
            self._send_pending()

    def _run_node(self, node_id: str, owned: deque) -> None:
        node_type = self.graph.types[node_id]
        state = self._state(node_id)
        if state.decided:
            return
        if node_type.side_effects:
            held = state.status == S.RUNNING and state.in_db and state.claim
            if node_type.outside_effect and state.effect_started_at is not None and not node_type.idempotent_by_key:
                # An earlier attempt began its call and nobody recorded what came of it (its worker
                # died, or lost the database for longer than the lease): repeating it could send twice.
                self._fail(state, _unknown_outcome_message(state.effect_started_at), output={})
            else:
                if node_type.outside_effect:
                    state.effect_started_at = timezone.now()
                    state.dirty = True
                if not held:
                    # Claim before the side effect, together with every other node this runner holds.
                    state.status, state.claim = S.RUNNING, uuid.uuid4()
                    state.lease_expires_at = timezone.now() + dt.timedelta(seconds=node_type.lease_seconds)
                    state.dirty = True
                if not held or node_type.outside_effect:
                    won = self._flush(claims=[*([] if held else [state]), *self._unclaimed(owned)])
                    if self.finished or not (held or node_id in won):
                        return
                self._execute(node_id, node_type, state)
                state.effect_started_at = None  # the outcome is known; the next write records it
        else:
            self._execute(node_id, node_type, state)
        if state.status == S.WAITING:
            self._pending_resumes.append((node_id, state.resume_at))
            self._flush()
            return
        if state.status == S.FAILED and not self.graph.has_error_edge[node_id]:
            self._flush()
            self._terminate(E.FAILED, f'node "{node_id}" ({node_type.type}) failed: {state.error}')
            return
        self.context.set_node(node_id, state.status, state.output)
        ready = self._settle_successors(node_id)
        away: list[str] = []
        if len(ready) > 1 and self.dispatcher.parallel:
            ready, away = self._split_branches(ready)
        if away:
            claims = []
            for other in away:
                other_state = self._state(other)
                other_state.status, other_state.claim = S.RUNNING, uuid.uuid4()
                other_state.lease_expires_at = timezone.now() + dt.timedelta(
                    seconds=self.graph.types[other].lease_seconds
                )
                claims.append(other_state)
            # The pure successors this runner keeps are claimed in the same write, so a branch worker
            # that syncs first cannot take (and run again) what this runner is about to run.
            won = self._flush(claims=[*claims, *self._unclaimed(ready)])
            self._pending_branches.extend((s.node_id, s.claim) for s in claims if s.node_id in won)
            self._send_pending()  # committed: the other workers may start now
            owned.extend(node_id for node_id in ready if node_id in won)
            return
        owned.extend(ready)
        if node_type.side_effects:
            # Recorded right away, with the successors this runner now holds, so a crash after
            # this point never repeats the side effect.
            self._flush(claims=self._unclaimed(owned))

    def _execute(self, node_id: str, node_type, state: NodeState) -> None:
        spec = self.graph.nodes[node_id]
        raw = spec.get("data") or {}
        upstream = self._upstream(node_id)
        resumed = state.status == S.RUNNING and state.resume_at is not None
        retrying = resumed and state.branch == RETRY
        previous_output = state.output if resumed and not retrying else {}
        now = timezone.now()
        if not resumed or retrying:
            state.attempt += 1
        state.branch = ""
        state.started_at = now if not resumed or state.started_at is None else state.started_at
        state.dirty = True
        try:
            data = render_data(raw, self.context.variables(upstream), node_type.raw_fields)
            problem = store.json_problem(data) if self.graph.templated[node_id] else None
            if problem:
                self._fail(state, f"its rendered data cannot be stored: {problem}", output={})
                return
            state.input = data
            result = node_type().run(
                NodeCall(
                    node_id=node_id,
                    data=data,
                    context=self.context,
                    upstream=upstream,
                    attempt=state.attempt,
                    resumed=resumed,
                    previous_output=previous_output,
                    idempotency_key=f"{self.execution_id}:{node_id}",
                )
            )
            if not isinstance(result, NodeResult):
                result = NodeResult(output=result or {})
            problem = store.json_problem(result.output)
            if problem:
                self._fail(state, f"its output cannot be stored: {problem}", output={})
                return
        except TemplateRenderError as exc:
            self._fail(state, str(exc), output={})
            return
        except NodeError as exc:
            if exc.output and store.json_problem(exc.output):
                exc.output = {}  # the error message says what went wrong; an output we cannot store adds nothing
            retries = raw.get("retries", node_type.default_retries)
            if exc.retryable and state.attempt <= retries:
                delay = float(raw.get("retry_delay_seconds", node_type.default_retry_delay_seconds))
                state.status = S.WAITING
                state.branch = RETRY
                state.error = _truncate(f"attempt {state.attempt} failed: {exc}")
                state.output = exc.output
                state.resume_at = timezone.now() + dt.timedelta(seconds=delay * (2 ** (state.attempt - 1)))
                state.claim = state.lease_expires_at = None
                return
            self._fail(state, str(exc), output=exc.output)
            return
        except Exception as exc:  # a bug in a node must fail the node, not wedge the execution
            logger.exception("workflow node %s (%s) crashed", node_id, node_type.type)
            self._fail(state, f"{exc.__class__.__name__}: {exc}", output={})
            return
        state.output = result.output
        state.claim = state.lease_expires_at = None
        if result.wait_until is not None and result.wait_until > timezone.now():
            state.status = S.WAITING
            state.resume_at = result.wait_until
            state.branch = ""
            return
        state.status = S.COMPLETED
        state.branch = result.branch or MAIN
        state.error = ""
        state.resume_at = None
        state.finished_at = timezone.now()

    def _fail(self, state: NodeState, message: str, output: dict) -> None:
        state.status = S.FAILED
        state.branch = ERROR
        state.error = _truncate(message)
        state.output = output or {}
        state.claim = state.lease_expires_at = state.resume_at = state.effect_started_at = None
        state.finished_at = timezone.now()
        state.dirty = True

    # ------------------------------------------------------------------ graph logic

    def _state(self, node_id: str) -> NodeState:
        state = self.states.get(node_id)
        if state is None:
            state = NodeState(node_id, self.graph.nodes[node_id]["type"])
            self.states[node_id] = state
        return state

    def _edge_active(self, edge) -> bool | None:
        """True/False once the edge's source is decided; None while it is not."""
        source = self.states.get(edge.source)
        if source is None or not source.decided:
            return None
        if source.status == S.COMPLETED:
            return edge.handle == source.branch
        if source.status == S.FAILED:
            return edge.handle == ERROR
        return False

    def _readiness(self, node_id: str) -> str:
        incoming = self.graph.incoming[node_id]
        if not incoming:
            return READY  # a start node: a run resumed before it was stored must run it, not skip it
        any_active = False
        for edge in incoming:
            active = self._edge_active(edge)
            if active is None:
                return UNKNOWN
            any_active = any_active or active
        return READY if any_active else SKIP

    def _settle_successors(self, node_id: str) -> list[str]:
        """Successors that became ready; skipped ones are marked and their skip propagates."""
        ready: list[str] = []
        frontier = deque(self.graph.successors(node_id))
        while frontier:
            candidate = frontier.popleft()
            state = self.states.get(candidate)
            if state is not None and state.status != S.PENDING:
                continue
            verdict = self._readiness(candidate)
            if verdict == READY:
                if candidate not in ready:
                    ready.append(candidate)
            elif verdict == SKIP:
                skipped = self._state(candidate)
                skipped.status = S.SKIPPED
                skipped.finished_at = timezone.now()
                skipped.dirty = True
                self.context.set_node(candidate, S.SKIPPED, {})
                frontier.extend(self.graph.successors(candidate))
        return ready

    def _upstream(self, node_id: str) -> dict:
        incoming = self.graph.incoming[node_id]
        if not incoming:
            return dict(self.context.input)
        merged: dict = {}
        for edge in incoming:
            if self._edge_active(edge):
                source = self.states[edge.source]
                if isinstance(source.output, dict):
                    merged.update(source.output)
        return merged

    def _unclaimed(self, owned) -> list[NodeState]:
        """Nodes this runner holds in memory only; written as claimed when it writes anyway."""
        claims = []
        for node_id in owned:
            state = self._state(node_id)
            if state.status == S.PENDING:
                state.status, state.claim = S.RUNNING, uuid.uuid4()
                state.lease_expires_at = timezone.now() + dt.timedelta(seconds=self.graph.types[node_id].lease_seconds)
                claims.append(state)
        return claims

    def _all_decided(self) -> bool:
        states = self.states
        for node_id in self.graph.nodes:
            state = states.get(node_id)
            if state is None or not state.decided:
                return False
        return True

    # ------------------------------------------------------------------ persistence

    def _flush(self, claims: list[NodeState] | None = None) -> set[str]:
        """Write what changed (and claim ``claims``) with the execution locked; returns claims won.

        The outcome of a call to the outside world is known only to this process: when the database
        is unreachable (a restart, a failover, a dropped connection) the write is tried again, for
        half the node's lease, rather than lost and the call repeated or failed as unknown.
        """
        claims = claims or []
        claim_ids = {c.node_id for c in claims}
        pause, give_up_at = 0.2, None
        while True:
            dirty = [s for s in self.states.values() if s.dirty and s.node_id not in claim_ids]
            before = [(s, s.dirty, s.in_db) for s in (*dirty, *claims)]
            try:
                return self._flush_once(claims, dirty)
            except (OperationalError, InterfaceError) as exc:
                types = self.graph.types
                outcomes = [s for s in dirty if types[s.node_id].outside_effect and s.effect_started_at is None]
                if not outcomes or connection.in_atomic_block:
                    raise
                if give_up_at is None:
                    give_up_at = time.monotonic() + min(types[s.node_id].lease_seconds for s in outcomes) / 2
                if time.monotonic() + pause > give_up_at:
                    raise
                logger.warning(
                    "workflow execution %s: cannot record the outcome of %s (%s); trying again",
                    self.execution_id,
                    ", ".join(s.node_id for s in outcomes),
                    str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__,
                )
                for state, was_dirty, was_in_db in before:  # the transaction was rolled back
                    state.dirty, state.in_db = was_dirty, was_in_db
                connection.close()
                time.sleep(pause)
                pause = min(pause * 2, 5.0)

    def _flush_once(self, claims: list[NodeState], dirty: list[NodeState]) -> set[str]:
        now = timezone.now()
        with transaction.atomic():
            relaxed = not self._durable(dirty) and not self._durable(claims)
            running = store.execution_lock(self.execution_id, now, relaxed=relaxed)
            store.node_runs_upsert(self.execution_id, dirty)
            if not running:
                self.finished = True
                return set()
            won = store.node_runs_claim(self.execution_id, [c for c in claims if not c.in_db]) | {
                c.node_id for c in claims if c.in_db
            }
        for claim in claims:
            if claim.node_id not in won:
                # Someone else holds it: forget our idea of it and let them run it.
                self.states.pop(claim.node_id, None)
        return won

    def _sync(self, owned: deque) -> bool:
        """Nothing left in hand: write, learn what other runners did, claim what became ready, or finish."""
        now = timezone.now()
        dirty = [s for s in self.states.values() if s.dirty]
        if self._all_decided():
            failure = self._unhandled_failure()
            if failure:
                # A run resumed after its runner recorded a node's failure and stopped before failing the run.
                self._terminate(E.FAILED, failure)
                return False
            # One statement writes the runs and the status; a transaction around it only when
            # the task it runs for must be settled together with it.
            with transaction.atomic() if self.row.task_id else contextlib.nullcontext():
                finished = store.execution_complete_with_runs(
                    self.execution_id,
                    now=now,
                    output=self._output(),
                    states=dirty,
                    relaxed=not self._durable(dirty),
                )
                if finished:
                    self._after_finish()
            self.finished = True
            if finished:
                self.dispatcher.finished(self.execution_id)
            return False
        with transaction.atomic():
            running = store.execution_lock(self.execution_id, now, relaxed=not self._durable(dirty))
            store.node_runs_upsert(self.execution_id, dirty)
            if not running:
                self.finished = True
                return False
            for node_id, state in store.node_runs_load(self.execution_id).items():
                self.states[node_id] = state
                if state.status in (S.COMPLETED, S.FAILED):
                    self.context.set_node(node_id, state.status, state.output)
            # Skips first (they may unblock joins), then claim every node that is ready and unheld.
            changed = True
            while changed:
                changed = False
                for node_id in self.graph.order:
                    state = self.states.get(node_id)
                    if state is not None and state.status != S.PENDING:
                        continue
                    if self._readiness(node_id) == SKIP:
                        skipped = self._state(node_id)
                        skipped.status, skipped.finished_at, skipped.dirty = S.SKIPPED, now, True
                        changed = True
            store.node_runs_upsert(self.execution_id, [s for s in self.states.values() if s.dirty])
            candidates = []
            for node_id in self.graph.order:
                state = self.states.get(node_id)
                if (state is None or state.status == S.PENDING) and self._readiness(node_id) == READY:
                    claimed = self._state(node_id)
                    claimed.status, claimed.claim = S.RUNNING, uuid.uuid4()
                    claimed.lease_expires_at = now + dt.timedelta(seconds=self.graph.types[node_id].lease_seconds)
                    candidates.append(claimed)
            won = store.node_runs_claim(self.execution_id, candidates)
            if self._all_decided():
                failure = self._unhandled_failure()
                finished = store.execution_finish(
                    self.execution_id,
                    status=E.FAILED if failure else E.COMPLETED,
                    now=now,
                    output={} if failure else self._output(),
                    error=failure or "",
                )
                if finished:
                    self._after_finish()
                self.finished = True
                if finished:
                    transaction.on_commit(lambda: self.dispatcher.finished(self.execution_id))
                return False
        for candidate in candidates:
            if candidate.node_id in won:
                owned.append(candidate.node_id)
            else:
                self.states.pop(candidate.node_id, None)
        if len(owned) > 1 and self.dispatcher.parallel:
            here, away = self._split_branches(list(owned))
            self._pending_branches.extend((node_id, self.states[node_id].claim) for node_id in away)
            owned.clear()
            owned.extend(here)
            self._send_pending()
        return bool(owned)

    def _split_branches(self, ready: list[str]) -> tuple[list[str], list[str]]:
        """Of several ready nodes: those this runner goes on with, and those sent to other workers.

        A pure node (no side effects: transform, condition, a trigger) runs in microseconds, far
        less than a broker hop and a second worker loading the execution, so every pure one stays
        here, and a join of pure branches completes in this runner without a round of claims.
        Nodes with side effects may wait on the outside world: they run in parallel elsewhere,
        except one that stays here when no pure node does.
        """
        types = self.graph.types
        here = [node_id for node_id in ready if not types[node_id].side_effects]
        away = [node_id for node_id in ready if types[node_id].side_effects]
        if not here:
            here.append(away.pop(0))
        return here, away

    def _unhandled_failure(self) -> str | None:
        """Why the run failed: a node that failed with no error branch to take (None if none did)."""
        for node_id in self.graph.order:
            state = self.states.get(node_id)
            if state is not None and state.status == S.FAILED and not self.graph.has_error_edge[node_id]:
                return _truncate(f'node "{node_id}" ({self.graph.types[node_id].type}) failed: {state.error}')
        return None

    def _durable(self, states: list[NodeState]) -> bool:
        """Writes that include a node with side effects must reach the disk before we go on."""
        types = self.graph.types
        return any(types[state.node_id].side_effects for state in states)

    def _output(self) -> dict:
        output = {}
        for node_id in self.graph.sinks():
            state = self.states.get(node_id)
            if state is not None and state.status == S.COMPLETED:
                output[node_id] = state.output
        return output

    def _terminate(self, status: str, message: str) -> None:
        now = timezone.now()
        with transaction.atomic():
            store.node_runs_upsert(self.execution_id, [s for s in self.states.values() if s.dirty])
            finished = store.execution_finish(self.execution_id, status=status, now=now, error=_truncate(message))
            if finished:
                self._after_finish()
        self.finished = True
        if finished:
            self.dispatcher.finished(self.execution_id)

    def _after_finish(self) -> None:
        """Inside the finishing transaction: settle the task the execution belongs to."""
        if self.row.task_id:
            # In the same transaction, with the task row locked: of two executions of one task
            # finishing at once, the second to lock sees the first and settles the task.
            from apps.workflows.services import task_settle_after_execution

            task_settle_after_execution(task_id=self.row.task_id)

    def _past_deadline(self) -> bool:
        deadline = self.row.deadline_at
        return deadline is not None and timezone.now() >= deadline

    def _timeout_message(self) -> str:
        return "execution timed out: it did not finish before its deadline " + self.row.deadline_at.isoformat()

    def _send_pending(self) -> None:
        branches, self._pending_branches = self._pending_branches, []
        resumes, self._pending_resumes = self._pending_resumes, []
        for node_id, claim in branches:
            self.dispatcher.branch(self.execution_id, node_id, claim)
        for node_id, when in resumes:
            if when is not None:
                self.dispatcher.resume_at(self.execution_id, node_id, when)


# ---------------------------------------------------------------------- module-level API


def execution_advance(execution_id, *, dispatcher: Dispatcher | None = None) -> None:
    """Start a pending execution, or continue a running one from its stored state."""
    dispatcher = dispatcher or InlineDispatcher()
    executor = WorkflowExecutor.open(execution_id, dispatcher)
    if executor is not None:
        executor.start()


def execution_run_branch(execution_id, node_id: str, claim, *, dispatcher: Dispatcher | None = None) -> None:
    dispatcher = dispatcher or InlineDispatcher()
    executor = WorkflowExecutor.open(execution_id, dispatcher)
    if executor is not None:
        executor.continue_branch(node_id, uuid.UUID(str(claim)))


def execution_resume_node(execution_id, node_id: str, *, dispatcher: Dispatcher | None = None) -> None:
    dispatcher = dispatcher or InlineDispatcher()
    executor = WorkflowExecutor.open(execution_id, dispatcher)
    if executor is not None:
        executor.resume_waiting(node_id)


def execution_run_inline(execution_id) -> WorkflowExecution:
    """Run an execution to its end (or its first wait) in this process; returns the stored row."""
    execution_advance(execution_id, dispatcher=InlineDispatcher())
    return WorkflowExecution.objects.get(pk=execution_id)
