"""A node type shipped outside apps.workflows.nodes, loaded through settings.WORKFLOW_NODE_PLUGINS."""

from apps.workflows.engine.registry import register_node
from apps.workflows.nodes.base import Node, NodeResult


@register_node
class ShoutNode(Node):
    type = "test_shout"
    label = "Shout"
    description = "Upper-cases a text (test plugin)."
    category = "data"
    side_effects = False
    data_schema = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}

    def run(self, call):
        return NodeResult(output={"text": call.data["text"].upper()})
