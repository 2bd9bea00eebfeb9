"""E-mail: one message through the provider layer (services.email), templated from the context."""

from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from apps.workflows.engine.registry import register_node
from services.email import EmailMessage, PermanentEmailError, TransientEmailError, send_email

from .base import Node, NodeCall, NodeError, NodeResult


@register_node
class EmailNode(Node):
    type = "email"
    label = "Send e-mail"
    description = (
        "Sends an e-mail (to, subject, HTML and/or text body; all templates) through the configured providers."
    )
    category = "action"
    default_retries = 2
    lease_seconds = 120
    outside_effect = True
    data_schema = {
        "type": "object",
        "required": ["to", "subject"],
        "anyOf": [{"required": ["body"]}, {"required": ["text"]}],
        "properties": {
            "to": {"type": "string", "minLength": 1},
            "subject": {"type": "string", "minLength": 1, "maxLength": 998},
            "body": {"type": "string", "description": "HTML body"},
            "text": {"type": "string", "description": "plain-text body"},
            "from_email": {"type": "string"},
            "reply_to": {"type": "string"},
        },
    }

    def run(self, call: NodeCall) -> NodeResult:
        data = call.data
        to = str(data["to"]).strip()
        try:
            validate_email(to)
        except ValidationError as exc:
            raise NodeError(f"{to!r} is not an e-mail address.") from exc
        from_email = str(data.get("from_email") or "")
        domain = parseaddr(from_email or settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "salesone.kr"
        workflow_id = call.context.workflow_id
        message = EmailMessage(
            to=to,
            subject=str(data["subject"]).replace("\n", " ").strip(),
            html=str(data.get("body") or ""),
            text=str(data.get("text") or ""),
            from_email=from_email,
            reply_to=str(data.get("reply_to") or ""),
            category="workflow",
            # The sequence is a list to mail providers (RFC 2919) and to Gmail's feedback loop.
            headers={
                "List-Id": f"<{workflow_id}.sequences.{domain}>",
                "Feedback-ID": f"{workflow_id}:{call.context.user_id}:salesone",
            },
            custom_args={"workflow_execution_id": str(call.context.execution_id), "workflow_node_id": call.node_id},
        )
        try:
            result = send_email(message)
        except TransientEmailError as exc:
            if exc.outcome_unknown:
                # The provider may have accepted it: another attempt could deliver it twice.
                raise NodeError(
                    f"outcome unknown: e-mail to {to} may have been accepted ({exc}); not sent again"
                ) from exc
            raise NodeError(f"e-mail to {to} failed, will retry: {exc}", retryable=True) from exc
        except PermanentEmailError as exc:
            raise NodeError(f"e-mail to {to} refused: {exc}") from exc
        return NodeResult(
            output={"to": to, "subject": message.subject, "provider": result.provider, "message_id": result.message_id}
        )
