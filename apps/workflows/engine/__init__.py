"""The workflow execution engine: registry of node types, graph validation, the executor."""

from .executor import (
    Dispatcher,
    InlineDispatcher,
    WorkflowExecutor,
    execution_advance,
    execution_resume_node,
    execution_run_branch,
    execution_run_inline,
)
from .graph import Graph, GraphError, validate
from .registry import register_node, registry

__all__ = [
    "Dispatcher",
    "Graph",
    "GraphError",
    "InlineDispatcher",
    "WorkflowExecutor",
    "execution_advance",
    "execution_resume_node",
    "execution_run_branch",
    "execution_run_inline",
    "register_node",
    "registry",
    "validate",
]
