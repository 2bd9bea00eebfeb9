"""Workflow actions other apps call."""

from common.exceptions import Conflict


def task_execute_workflows(*, task, user):
    """Run every workflow linked to the task. The engine is not built yet: 409, never a fake success."""
    raise Conflict("workflow engine not available")
