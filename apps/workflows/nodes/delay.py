"""Delay: continue the run after a duration, or at a date and time (Asia/Seoul when no offset is
given). The worker never sleeps: the node is stored as waiting and a scheduled task resumes it."""

import datetime as dt

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from apps.workflows.engine.context import SEOUL
from apps.workflows.engine.registry import register_node

from .base import Node, NodeCall, NodeError, NodeResult

UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
MAX_DELAY = dt.timedelta(days=366)


def parse_until(value) -> dt.datetime:
    text = str(value).strip()
    moment = parse_datetime(text)
    if moment is None:
        day = parse_date(text)
        if day is None:
            raise NodeError(f"`until` {text!r} is not a date or date-time (ISO 8601).")
        moment = dt.datetime.combine(day, dt.time())
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=SEOUL)
    return moment


@register_node
class DelayNode(Node):
    type = "delay"
    label = "Delay"
    description = (
        "Wait for a duration (amount + unit) or until a date-time (ISO 8601; Asia/Seoul when no offset), "
        "then continue. Survives restarts."
    )
    category = "logic"
    lease_seconds = 60
    data_schema = {
        "type": "object",
        "properties": {
            "amount": {"type": "number", "minimum": 0},
            "unit": {"enum": list(UNITS), "default": "minutes"},
            "until": {"type": "string", "minLength": 1, "description": "e.g. 2025-04-13T09:00 (Asia/Seoul)"},
        },
        "oneOf": [{"required": ["amount"]}, {"required": ["until"]}],
    }

    def run(self, call: NodeCall) -> NodeResult:
        now = timezone.now()
        if call.resumed:
            return NodeResult(output={**call.previous_output, "resumed_at": now.isoformat()})
        if "until" in call.data and call.data["until"] not in (None, ""):
            resume_at = parse_until(call.data["until"])
        else:
            try:
                seconds = float(call.data.get("amount", 0)) * UNITS[call.data.get("unit", "minutes")]
            except (TypeError, ValueError) as exc:
                raise NodeError(f"`amount` must be a number: {exc}") from exc
            resume_at = now + dt.timedelta(seconds=seconds)
        if resume_at - now > MAX_DELAY:
            raise NodeError("a delay may last at most 366 days.")
        return NodeResult(
            output={**call.upstream, "resume_at": resume_at.isoformat()},
            wait_until=resume_at if resume_at > now else None,
        )
