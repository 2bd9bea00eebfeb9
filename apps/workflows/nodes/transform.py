"""Transform: build a record from the upstream output — set fields from templates, rename, compute
with sandboxed Jinja2 expressions, drop fields."""

from apps.workflows.engine import templating
from apps.workflows.engine.registry import register_node

from .base import Node, NodeCall, NodeError, NodeResult

_FIELD_MAP = {"type": "object", "additionalProperties": {"type": "string"}, "propertyNames": {"minLength": 1}}


@register_node
class TransformNode(Node):
    type = "transform"
    label = "Transform data"
    description = (
        "Start from the upstream output (or nothing), set fields from templates, rename fields, "
        "compute fields with expressions such as `record.amount * 1.1`, and drop fields."
    )
    category = "data"
    side_effects = False
    time_bounded = True
    raw_fields = frozenset({"compute"})
    data_schema = {
        "type": "object",
        "properties": {
            "keep_input": {"type": "boolean", "default": True},
            "set": {"type": "object", "description": "field → value; strings are templates"},
            "rename": {**_FIELD_MAP, "description": "old field → new field"},
            "compute": {**_FIELD_MAP, "description": "field → Jinja2 expression over the context and `record`"},
            "remove": {"type": "array", "items": {"type": "string"}},
        },
    }

    @staticmethod
    def check_data(data: dict):
        for name, expression in (data.get("compute") or {}).items():
            problem = templating.check_expression(expression) if isinstance(expression, str) else None
            if problem:
                yield f"compute/{name}: {problem}"

    def run(self, call: NodeCall) -> NodeResult:
        data = call.data
        record = dict(call.upstream) if data.get("keep_input", True) else {}
        record.update(data.get("set") or {})
        for old, new in (data.get("rename") or {}).items():
            if old in record:
                record[new] = record.pop(old)
        compute = data.get("compute")
        if compute:
            variables = call.context.variables(call.upstream)
            for name, expression in compute.items():
                variables["record"] = record
                try:
                    record[name] = templating.evaluate(expression, variables)
                except templating.TemplateRenderError as exc:
                    raise NodeError(f"compute {name}: {exc}") from exc
        for name in data.get("remove") or ():
            record.pop(name, None)
        return NodeResult(output=record)
