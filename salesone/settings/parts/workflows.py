"""Workflow engine settings."""

from ..env import env_int, env_list

# Modules whose import registers extra node types (besides apps.workflows.nodes and the
# "salesone.workflow_nodes" entry points).
WORKFLOW_NODE_PLUGINS = env_list("WORKFLOW_NODE_PLUGINS", "")
# Hosts a webhook node may call even though they resolve to a private or loopback address.
WORKFLOW_WEBHOOK_ALLOWED_HOSTS = env_list("WORKFLOW_WEBHOOK_ALLOWED_HOSTS", "")
# A running execution with no progress for this long, and no live node lease, is resumed by the sweep.
WORKFLOW_STALL_SECONDS = env_int("WORKFLOW_STALL_SECONDS", 300)
# Waits shorter than this also get a Celery countdown task; longer ones only the beat sweep.
WORKFLOW_ETA_MAX_SECONDS = env_int("WORKFLOW_ETA_MAX_SECONDS", 600)
# Largest body accepted by a webhook trigger.
WORKFLOW_HOOK_MAX_BYTES = env_int("WORKFLOW_HOOK_MAX_BYTES", 1_000_000)
# A hooked workflow with no side effects (triggers, transforms, conditions) and at most this many
# nodes runs in the webhook request and is stored finished; 0 queues every run for a worker.
WORKFLOW_HOOK_INLINE_MAX_NODES = env_int("WORKFLOW_HOOK_INLINE_MAX_NODES", 50)
# ... and within this many milliseconds of the web thread: a longer run is given up unwritten and queued.
WORKFLOW_HOOK_INLINE_BUDGET_MS = env_int("WORKFLOW_HOOK_INLINE_BUDGET_MS", 50)
# A pure plugin node still running this long after its hook started it is taken for hung: its guard
# thread is abandoned (logged, counted) when another hook needs one (apps/workflows/engine/in_request.py).
WORKFLOW_HOOK_GUARD_HARD_LIMIT_SECONDS = env_int("WORKFLOW_HOOK_GUARD_HARD_LIMIT_SECONDS", 30)

BEAT_SCHEDULE = {
    "workflows-sweep": {
        "task": "apps.workflows.tasks.sweep_workflow_executions",
        "schedule": float(env_int("WORKFLOW_SWEEP_SECONDS", 15)),
    },
}
