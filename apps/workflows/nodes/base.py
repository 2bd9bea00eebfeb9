"""What a node type is: metadata for the editor palette, a JSON Schema for its ``data``, and ``run``.

A node type is one class in one file, decorated with ``@register_node``. ``run`` receives the node's
``data`` already rendered (every string is a sandboxed Jinja2 template over the execution context)
and returns a ``NodeResult``, or raises ``NodeError``. The executor does the rest: storing the run,
retries with backoff, branches, joins, waits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from apps.workflows.engine.context import WorkflowContext

MAIN = "main"
ERROR = "error"

# Keys any node's data may carry, whatever its type: the editor's label and the retry policy.
COMMON_PROPERTIES: dict[str, Any] = {
    "label": {"type": "string", "maxLength": 200},
    "retries": {"type": "integer", "minimum": 0, "maximum": 10},
    "retry_delay_seconds": {"type": "number", "minimum": 0, "maximum": 86400},
}


class NodeError(Exception):
    """A node failed. ``retryable``: worth another attempt after a backoff (outage, 5xx, timeout)."""

    def __init__(self, message: str, *, retryable: bool = False, output: dict | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.output = output or {}


@dataclass
class NodeResult:
    output: dict = field(default_factory=dict)
    # The source handle whose edges continue: MAIN for most nodes, "true"/"false" for a condition.
    branch: str = MAIN
    # Set by a node that must wait (a delay): the run continues at this time, from a scheduled task.
    wait_until: dt.datetime | None = None


@dataclass
class NodeCall:
    """Everything a node's run may use."""

    node_id: str
    data: dict
    context: WorkflowContext
    upstream: dict  # the outputs of the node's active direct predecessors, merged
    attempt: int
    resumed: bool = False  # True when a waiting node is continued (a delay's time has come)
    previous_output: dict = field(default_factory=dict)
    # The same for every attempt of this node in this run: a receiver that deduplicates by key
    # (the webhook node's Idempotency-Key header) acts on a repeated call once.
    idempotency_key: str = ""


class Node:
    """Base class of every node type."""

    type: ClassVar[str] = ""
    label: ClassVar[str] = ""
    description: ClassVar[str] = ""
    category: ClassVar[str] = "action"  # trigger | action | logic | data | tasks
    inputs: ClassVar[list[str]] = [MAIN]
    outputs: ClassVar[list[str]] = [MAIN]
    data_schema: ClassVar[dict] = {"type": "object", "properties": {}}
    # Triggers start an execution; they may not have incoming edges.
    is_trigger: ClassVar[bool] = False
    # Nodes without side effects may be recomputed after a crash, so their runs are written in bulk.
    # Nodes with side effects are claimed in the database before they run and recorded right after.
    side_effects: ClassVar[bool] = True
    # The engine bounds this node's time itself (its templates and expressions run under
    # TemplateLimits). A pure node without it (a plugin's) is not assumed quick: run in the webhook
    # request, it runs on a guard thread that the request waits for only WORKFLOW_HOOK_INLINE_BUDGET_MS.
    time_bounded: ClassVar[bool] = False
    # Nodes that act on the outside world (send an e-mail, post to Slack, call a URL). The executor
    # records that the attempt started before ``run`` and clears it with the outcome; a redelivered
    # run that finds an attempt without an outcome fails the node ("outcome unknown") instead of
    # repeating it, unless ``idempotent_by_key``: then it repeats the call with the same key.
    outside_effect: ClassVar[bool] = False
    idempotent_by_key: ClassVar[bool] = False
    default_retries: ClassVar[int] = 0
    default_retry_delay_seconds: ClassVar[float] = 10.0
    # Keys of data that are not templates (they are compiled by the node itself, e.g. expressions).
    raw_fields: ClassVar[frozenset[str]] = frozenset()
    # How long a claimed run may take before the sweep assumes its worker died and runs it again.
    lease_seconds: ClassVar[int] = 300

    @classmethod
    def full_schema(cls) -> dict:
        schema = dict(cls.data_schema)
        schema.setdefault("type", "object")
        schema["properties"] = {**COMMON_PROPERTIES, **schema.get("properties", {})}
        return schema

    @classmethod
    def metadata(cls) -> dict:
        return {
            "type": cls.type,
            "label": cls.label,
            "description": cls.description,
            "category": cls.category,
            "inputs": [] if cls.is_trigger else list(cls.inputs),
            "outputs": list(cls.outputs),
            "is_trigger": cls.is_trigger,
            "side_effects": cls.side_effects,
            "outside_effect": cls.outside_effect,
            "data_schema": cls.full_schema(),
        }

    def run(self, call: NodeCall) -> NodeResult:
        raise NotImplementedError
