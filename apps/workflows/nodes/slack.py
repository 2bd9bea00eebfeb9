"""Slack: post a message to a channel (chat.postMessage through services.slack)."""

from apps.workflows.engine.registry import register_node
from services.slack import SlackError, post_message

from .base import Node, NodeCall, NodeError, NodeResult


@register_node
class SlackNode(Node):
    type = "slack"
    label = "Slack message"
    description = "Posts a message (templated text, optional Block Kit blocks) to a Slack channel."
    category = "action"
    default_retries = 2
    lease_seconds = 120
    outside_effect = True
    data_schema = {
        "type": "object",
        "required": ["channel", "text"],
        "properties": {
            "channel": {"type": "string", "minLength": 1, "description": "#channel, channel id or user id"},
            "text": {"type": "string", "minLength": 1, "maxLength": 40000},
            "blocks": {"type": "array"},
        },
    }

    def run(self, call: NodeCall) -> NodeResult:
        data = call.data
        try:
            result = post_message(channel=str(data["channel"]), text=str(data["text"]), blocks=data.get("blocks"))
        except SlackError as exc:
            raise NodeError(str(exc), retryable=exc.transient) from exc
        return NodeResult(output={"ok": True, **result})
