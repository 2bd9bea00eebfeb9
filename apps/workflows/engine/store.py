"""How the executor reads and writes its state: few statements, in bulk, on the hot path.

Every write of an execution's node runs happens with the execution row locked (an UPDATE that
touches ``updated_at``), so two workers settling parallel branches see each other's results and a
join is claimed exactly once. The ORM is used where it costs nothing; the statements run per node
are plain SQL.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass

import orjson
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from apps.workflows.models import NodeRun, WorkflowExecution

RUNNING = WorkflowExecution.Status.RUNNING
_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")  # an escaped NUL, not the text "\\u0000"
# NaN and infinities are refused here: PostgreSQL's jsonb refuses them too, at a worse moment.
_dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False, default=DjangoJSONEncoder().default).encode


def _dumps_checked(value) -> str:
    """``_dumps`` for values already known storable (json_problem passed, or the workflow's own
    stored JSON): orjson writes node runs several times faster than the json module (datetimes and
    UUIDs natively, at full precision). What orjson does not take (an integer past 64 bits, a type
    only DjangoJSONEncoder knows) goes the slow way, with the same result."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return _dumps(value)


def json_problem(value) -> str | None:
    """Why ``value`` cannot be stored in a jsonb column, or None when it can.

    The executor asks before a node's data or output enters the run: a value that fails here would
    otherwise fail the whole write of the run (and the worker) long after the node that made it.
    """
    try:
        text = _dumps(value)
        text.encode()  # a lone surrogate (from a JSON "\\ud800" escape) has no UTF-8 form
    except TypeError as exc:
        return str(exc)
    except UnicodeEncodeError:
        return "it contains a lone UTF-16 surrogate, which is not text"
    except ValueError as exc:
        if "float" in str(exc):
            return "a number that is not finite (NaN or infinity) is not JSON"
        return str(exc)  # a value that contains itself
    if "\\u0000" in text and _NUL.search(text):
        return "it contains a NUL character (\\u0000), which PostgreSQL does not store"
    return None


class NodeState:
    """One node's run as the executor knows it; mirrors a NodeRun row."""

    __slots__ = (
        "attempt",
        "branch",
        "claim",
        "dirty",
        "effect_started_at",
        "error",
        "finished_at",
        "in_db",
        "input",
        "lease_expires_at",
        "node_id",
        "node_type",
        "output",
        "resume_at",
        "started_at",
        "status",
    )

    def __init__(self, node_id: str, node_type: str, status: str = NodeRun.Status.PENDING):
        self.node_id = node_id
        self.node_type = node_type
        self.status = status
        self.branch = ""
        self.input: dict = {}
        self.output: dict = {}
        self.error = ""
        self.attempt = 0
        self.started_at: dt.datetime | None = None
        self.finished_at: dt.datetime | None = None
        self.resume_at: dt.datetime | None = None
        self.claim: uuid.UUID | None = None
        self.lease_expires_at: dt.datetime | None = None
        self.effect_started_at: dt.datetime | None = None
        self.dirty = False
        self.in_db = False

    @property
    def decided(self) -> bool:
        return self.status in NodeRun.DECIDED


_COLUMNS = (
    "execution_id, node_id, node_type, status, branch, input, output, error, attempt, "
    "started_at, finished_at, resume_at, claim, lease_expires_at, effect_started_at"
)
_UPDATE_ALL = (
    "node_type = EXCLUDED.node_type, status = EXCLUDED.status, branch = EXCLUDED.branch, "
    "input = EXCLUDED.input, output = EXCLUDED.output, error = EXCLUDED.error, attempt = EXCLUDED.attempt, "
    "started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at, resume_at = EXCLUDED.resume_at, "
    "claim = EXCLUDED.claim, lease_expires_at = EXCLUDED.lease_expires_at, "
    "effect_started_at = EXCLUDED.effect_started_at"
)


def _state_from_row(row) -> NodeState:
    (
        node_id,
        node_type,
        status,
        branch,
        input_,
        output,
        error,
        attempt,
        started,
        finished,
        resume,
        claim,
        lease,
        effect,
    ) = row
    state = NodeState(node_id, node_type, status)
    state.branch = branch
    state.input = json.loads(input_) if isinstance(input_, str) else (input_ or {})
    state.output = json.loads(output) if isinstance(output, str) else (output or {})
    state.error = error
    state.attempt = attempt
    state.started_at = started
    state.finished_at = finished
    state.resume_at = resume
    state.claim = claim
    state.lease_expires_at = lease
    state.effect_started_at = effect
    state.in_db = True
    return state


@dataclass
class ExecutionRow:
    id: uuid.UUID
    status: str
    graph: dict
    input_data: dict
    task_id: uuid.UUID | None
    workflow_id: uuid.UUID
    workflow_name: str
    user_id: uuid.UUID
    deadline_at: dt.datetime | None
    fresh: bool  # this call moved it from pending to running: no node has run yet


_LOAD_COLUMNS = "e.id, e.status, e.graph, e.input_data, e.task_id, e.workflow_id, w.name, w.user_id, e.deadline_at"


def _execution_row(row, fresh: bool) -> ExecutionRow:
    graph = row[2] if isinstance(row[2], dict) else json.loads(row[2])
    input_data = row[3] if isinstance(row[3], dict) else json.loads(row[3])
    return ExecutionRow(row[0], row[1], graph, input_data, row[4], row[5], row[6], row[7], row[8], fresh)


_RELAXED = "SET LOCAL synchronous_commit TO OFF; "


def _execute(cursor, sql: str, params: list, *, relaxed: bool) -> None:
    """Run ``sql``; ``relaxed``: for this transaction, do not wait for the WAL to reach disk at commit.

    Relaxed only for writes that can be recomputed: results of pure nodes (transform, condition,
    triggers), skips, the pending → running step and the final status of a run whose last side
    effect was already committed durably. If PostgreSQL itself crashed within a fraction of a
    second, such a write could be lost and the sweep would recompute it; a worker crash loses
    nothing. Claims and results of nodes with side effects always wait for the disk. The SET rides
    in the same round trip as the statement (client-side binding allows two statements).
    """
    if relaxed:
        cursor.execute(_RELAXED + sql, params)
        cursor.cursor.nextset()
    else:
        cursor.execute(sql, params)


def execution_claim_start(execution_id, now: dt.datetime) -> ExecutionRow | None:
    """pending → running in one statement; None when it is not pending (already started or finished)."""
    # A lost start (PostgreSQL crash) leaves it pending: the sweep restarts it. One statement: in
    # autocommit mode the SET and the UPDATE form one implicit transaction, one round trip.
    with connection.cursor() as cursor:
        _execute(
            cursor,
            f"""
            UPDATE workflows_workflowexecution e
               SET status = 'running', started_at = %s, updated_at = %s
              FROM workflows_workflow w
             WHERE e.id = %s AND e.status = 'pending' AND w.id = e.workflow_id
         RETURNING {_LOAD_COLUMNS}
            """,
            [now, now, execution_id],
            relaxed=True,
        )
        row = cursor.fetchone()
    return _execution_row(row, fresh=True) if row else None


def execution_load(execution_id) -> ExecutionRow | None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT {_LOAD_COLUMNS}
              FROM workflows_workflowexecution e JOIN workflows_workflow w ON w.id = e.workflow_id
             WHERE e.id = %s
            """,
            [execution_id],
        )
        row = cursor.fetchone()
    return _execution_row(row, fresh=False) if row else None


def node_runs_load(execution_id) -> dict[str, NodeState]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_COLUMNS.split(', ', 1)[1]} FROM workflows_noderun WHERE execution_id = %s", [execution_id]
        )
        return {row[0]: _state_from_row(row) for row in cursor.fetchall()}


def execution_lock(execution_id, now: dt.datetime, *, relaxed: bool = False) -> bool:
    """Lock the execution row for this transaction and mark progress; False when it is no longer running."""
    with connection.cursor() as cursor:
        _execute(
            cursor,
            "UPDATE workflows_workflowexecution SET updated_at = %s WHERE id = %s AND status = 'running' RETURNING id",
            [now, execution_id],
            relaxed=relaxed,
        )
        return cursor.fetchone() is not None


def execution_finish(
    execution_id,
    *,
    status: str,
    now: dt.datetime,
    output: dict | None = None,
    error: str = "",
    waiting: bool = True,
    relaxed: bool = False,
):
    """running → completed/failed/cancelled (also locks the row); False when it was not running.
    ``waiting=False``: the caller knows no node waits (every node is decided), one statement less."""
    with connection.cursor() as cursor:
        _execute(
            cursor,
            """
            UPDATE workflows_workflowexecution
               SET status = %s, completed_at = %s, updated_at = %s, output_data = %s::jsonb,
                   error_message = %s
             WHERE id = %s AND status IN ('running', 'pending')
         RETURNING id
            """,
            [status, now, now, _dumps(output or {}), error, execution_id],
            relaxed=relaxed,
        )
        finished = cursor.fetchone() is not None
        if finished and waiting:
            # Nothing waits on a finished execution: its delays and retries will not resume.
            cursor.execute(
                """
                UPDATE workflows_noderun SET status = 'skipped', resume_at = NULL, finished_at = %s,
                       error = CASE WHEN error = '' THEN %s ELSE error END
                 WHERE execution_id = %s AND status IN ('waiting', 'pending')
                """,
                [now, f"execution {status}", execution_id],
            )
    return finished


# Rows travel as one JSON parameter unpacked by jsonb_to_recordset: the statement text never
# changes with the number of rows, so the driver and the server parse it once, and 50 rows cost
# one round trip and one small encode instead of 700 bound parameters.
_RECORDSET = (
    "SELECT %s::uuid, r.node_id, r.node_type, r.status, r.branch, coalesce(r.input, '{}'::jsonb), "
    "coalesce(r.output, '{}'::jsonb), r.error, r.attempt, r.started_at, r.finished_at, r.resume_at, r.claim, "
    "r.lease_expires_at, r.effect_started_at FROM jsonb_to_recordset(%s::jsonb) AS r(node_id text, node_type text, "
    "status text, branch text, input jsonb, output jsonb, error text, attempt int, started_at timestamptz, "
    "finished_at timestamptz, resume_at timestamptz, claim uuid, lease_expires_at timestamptz, "
    "effect_started_at timestamptz)"
)
_UPSERT_SQL = (
    f"INSERT INTO workflows_noderun ({_COLUMNS}) {_RECORDSET} "
    f"ON CONFLICT (execution_id, node_id) DO UPDATE SET {_UPDATE_ALL}"
)
_CLAIM_SQL = (
    f"INSERT INTO workflows_noderun ({_COLUMNS}) {_RECORDSET} "
    "ON CONFLICT (execution_id, node_id) DO NOTHING RETURNING node_id"
)


def _rows_json(states: list[NodeState]) -> str:
    return _dumps_checked(
        [
            {
                "node_id": s.node_id,
                "node_type": s.node_type,
                "status": s.status,
                "branch": s.branch,
                "input": s.input,
                "output": s.output,
                "error": s.error,
                "attempt": s.attempt,
                "started_at": s.started_at,
                "finished_at": s.finished_at,
                "resume_at": s.resume_at,
                "claim": s.claim,
                "lease_expires_at": s.lease_expires_at,
                "effect_started_at": s.effect_started_at,
            }
            for s in states
        ]
    )


def node_runs_upsert(execution_id, states: list[NodeState]) -> None:
    if not states:
        return
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT_SQL, [execution_id, _rows_json(states)])
    for state in states:
        state.dirty = False
        state.in_db = True


def execution_complete_with_runs(
    execution_id, *, now: dt.datetime, output: dict, states: list[NodeState], relaxed: bool
) -> bool:
    """The last write of a run whose every node is decided: the runs and the completed status in
    one statement (the execution row is locked by its UPDATE); False when it was not running."""
    with connection.cursor() as cursor:
        _execute(
            cursor,
            f"""
            WITH finished AS (
                UPDATE workflows_workflowexecution
                   SET status = 'completed', completed_at = %s, updated_at = %s, output_data = %s::jsonb
                 WHERE id = %s AND status IN ('running', 'pending')
             RETURNING id
            ), runs AS (
                INSERT INTO workflows_noderun ({_COLUMNS}) {_RECORDSET}
                ON CONFLICT (execution_id, node_id) DO UPDATE SET {_UPDATE_ALL}
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM finished), (SELECT count(*) FROM runs)
            """,
            [now, now, _dumps_checked(output), execution_id, execution_id, _rows_json(states)],
            relaxed=relaxed,
        )
        finished = cursor.fetchone()[0] == 1
    for state in states:
        state.dirty = False
        state.in_db = True
    return finished


_INSERT_FINISHED_SQL = f"""
    WITH execution AS (
        INSERT INTO workflows_workflowexecution
               (id, created_at, updated_at, workflow_id, task_id, status, input_data, output_data, error_message,
                started_at, completed_at, trigger, graph, deadline_at)
        SELECT %s, %s, %s, w.id, NULL, %s, %s::jsonb, %s::jsonb, %s, %s, %s, %s,
               jsonb_build_object(
                   'version', w.id::text || ':' || extract(epoch FROM w.updated_at)::text,
                   'nodes', w.nodes,
                   'edges', w.edges
               ),
               %s
          FROM workflows_workflow w
         WHERE w.id = %s AND w.webhook_secret = %s AND w.is_active AND w.updated_at = %s
     RETURNING id
    ), runs AS (
        INSERT INTO workflows_noderun ({_COLUMNS}) {_RECORDSET} WHERE EXISTS (SELECT FROM execution)
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM execution), (SELECT count(*) FROM runs)
"""


def execution_insert_finished(
    *,
    execution_id,
    workflow_id,
    secret: str,
    workflow_updated_at: dt.datetime,
    trigger: str,
    input_data: dict,
    deadline_at: dt.datetime,
    created_at: dt.datetime,
    completed_at: dt.datetime,
    status: str,
    error: str,
    output: dict,
    states: list[NodeState],
) -> bool:
    """A run computed in memory (engine.in_request), stored whole in one statement: the execution
    with its final status and every node run. Only while the workflow is still the one the run was
    computed from (same id, secret and version, still active); False, and nothing written, otherwise.
    The execution's snapshot of the graph is copied from that row, as the queued start does.
    Committed durably: the caller is told the run happened, and no pending row is left to redo it."""
    with connection.cursor() as cursor:
        _execute(
            cursor,
            _INSERT_FINISHED_SQL,
            [
                execution_id,
                created_at,
                completed_at,
                status,
                _dumps_checked(input_data),
                _dumps_checked(output),
                error,
                created_at,
                completed_at,
                trigger,
                deadline_at,
                workflow_id,
                secret,
                workflow_updated_at,
                execution_id,
                _rows_json(states),
            ],
            relaxed=False,
        )
        inserted = cursor.fetchone()[0] == 1
    if inserted:
        for state in states:
            state.dirty = False
            state.in_db = True
    return inserted


def node_runs_claim(execution_id, states: list[NodeState]) -> set[str]:
    """Insert running rows for nodes nobody holds yet; returns the node ids this call won."""
    if not states:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM_SQL, [execution_id, _rows_json(states)])
        won = {row[0] for row in cursor.fetchall()}
    for state in states:
        if state.node_id in won:
            state.dirty = False
            state.in_db = True
    return won


def node_run_take_waiting(execution_id, node_id: str, *, now, claim, lease_until) -> bool:
    """waiting → running for a node whose time has come; False if someone else took it, or not yet due."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE workflows_noderun SET status = 'running', claim = %s, lease_expires_at = %s
             WHERE execution_id = %s AND node_id = %s AND status = 'waiting' AND resume_at <= %s
         RETURNING id
            """,
            [claim, lease_until, execution_id, node_id, now],
        )
        return cursor.fetchone() is not None


def node_run_take_over(execution_id, node_id: str, *, old_claim, claim, now, lease_until) -> bool:
    """Take over a running node whose lease expired (its worker died)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE workflows_noderun SET claim = %s, lease_expires_at = %s, attempt = attempt + 1
             WHERE execution_id = %s AND node_id = %s AND status = 'running'
               AND claim IS NOT DISTINCT FROM %s AND lease_expires_at < %s
         RETURNING id
            """,
            [claim, lease_until, execution_id, node_id, old_claim, now],
        )
        return cursor.fetchone() is not None
