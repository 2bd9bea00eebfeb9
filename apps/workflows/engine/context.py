"""The execution context: the workflow input, every finished node's output, and the run's identity.

Templates see it as ``input``, ``nodes.<id>.output`` / ``nodes.<id>.status``, ``upstream`` (the
merged outputs of the node's direct predecessors), ``execution`` and ``workflow``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

SEOUL = ZoneInfo("Asia/Seoul")


class WorkflowContext:
    __slots__ = ("_meta", "execution_id", "input", "nodes", "task_id", "user_id", "workflow_id", "workflow_name")

    def __init__(
        self,
        *,
        execution_id,
        workflow_id,
        workflow_name: str,
        user_id,
        task_id=None,
        input_data: dict | None = None,
    ):
        self.execution_id = execution_id
        self.workflow_id = workflow_id
        self.workflow_name = workflow_name
        self.user_id = user_id
        self.task_id = task_id
        self.input: dict = input_data or {}
        # node id -> {"output": ..., "status": ...}, filled as nodes settle.
        self.nodes: dict[str, dict[str, Any]] = {}
        self._meta = {
            "execution": {
                "id": str(execution_id),
                "task_id": str(task_id) if task_id else None,
                "workflow_id": str(workflow_id),
            },
            "workflow": {"id": str(workflow_id), "name": workflow_name},
        }

    def set_node(self, node_id: str, status: str, output: dict | None) -> None:
        self.nodes[node_id] = {"status": status, "output": output or {}}

    def variables(self, upstream: dict) -> dict:
        return {
            "input": self.input,
            "nodes": self.nodes,
            "upstream": upstream,
            "now": dt.datetime.now(SEOUL),
            **self._meta,
        }
