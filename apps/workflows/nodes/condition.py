"""Condition: comparisons combined with and/or/not over context values; takes the "true" or the
"false" branch. Values are templates rendered before the comparison; nothing is ever eval'ed."""

import re
from decimal import Decimal, InvalidOperation

from apps.workflows.engine.registry import register_node

from .base import Node, NodeCall, NodeError, NodeResult

OPERATORS = {
    "eq": "equals",
    "ne": "does not equal",
    "gt": "greater than",
    "gte": "greater than or equal",
    "lt": "less than",
    "lte": "less than or equal",
    "contains": "contains",
    "not_contains": "does not contain",
    "starts_with": "starts with",
    "ends_with": "ends with",
    "in": "is one of",
    "not_in": "is not one of",
    "is_empty": "is empty",
    "is_not_empty": "is not empty",
    "is_true": "is true",
    "is_false": "is false",
}
UNARY = {"is_empty", "is_not_empty", "is_true", "is_false"}

RULE_SCHEMA = {
    "$defs": {
        "rule": {
            "oneOf": [
                {
                    "type": "object",
                    "required": ["and"],
                    "properties": {"and": {"type": "array", "items": {"$ref": "#/$defs/rule"}, "minItems": 1}},
                    "additionalProperties": False,
                },
                {
                    "type": "object",
                    "required": ["or"],
                    "properties": {"or": {"type": "array", "items": {"$ref": "#/$defs/rule"}, "minItems": 1}},
                    "additionalProperties": False,
                },
                {
                    "type": "object",
                    "required": ["not"],
                    "properties": {"not": {"$ref": "#/$defs/rule"}},
                    "additionalProperties": False,
                },
                {
                    "type": "object",
                    "required": ["value", "operator"],
                    "properties": {
                        "value": {},
                        "operator": {"enum": list(OPERATORS)},
                        "compare": {},
                    },
                    "additionalProperties": False,
                },
            ]
        }
    },
}


def _number(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    if isinstance(value, str):
        text = re.sub(r"[,\s₩원]", "", value)
        if not text:
            return None
        try:
            return Decimal(text)
        except InvalidOperation:
            return None
    return None


def _truthy(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "yes", "y", "1", "on"}
    return bool(value)


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _compare(left, operator: str, right) -> bool:
    if operator in ("eq", "ne"):
        ln, rn = _number(left), _number(right)
        equal = ln == rn if ln is not None and rn is not None else left == right or str(left) == str(right)
        return equal if operator == "eq" else not equal
    if operator in ("gt", "gte", "lt", "lte"):
        ln, rn = _number(left), _number(right)
        if ln is None or rn is None:
            if left is None or right is None:
                return False
            ln, rn = str(left), str(right)
        return {"gt": ln > rn, "gte": ln >= rn, "lt": ln < rn, "lte": ln <= rn}[operator]
    if operator in ("contains", "not_contains"):
        haystack = left if isinstance(left, list | dict) else ("" if left is None else str(left))
        found = right in haystack if isinstance(haystack, list | dict) else str(right) in haystack
        return found if operator == "contains" else not found
    if operator == "starts_with":
        return str(left or "").startswith(str(right))
    if operator == "ends_with":
        return str(left or "").endswith(str(right))
    if operator in ("in", "not_in"):
        if not isinstance(right, list):
            right = [item.strip() for item in str(right).split(",")]
        found = left in right or str(left) in [str(item) for item in right]
        return found if operator == "in" else not found
    if operator == "is_empty":
        return _empty(left)
    if operator == "is_not_empty":
        return not _empty(left)
    if operator == "is_true":
        return _truthy(left)
    if operator == "is_false":
        return not _truthy(left)
    raise NodeError(f"unknown operator {operator!r}")


def evaluate_rule(rule: dict) -> bool:
    if "and" in rule:
        return all(evaluate_rule(item) for item in rule["and"])
    if "or" in rule:
        return any(evaluate_rule(item) for item in rule["or"])
    if "not" in rule:
        return not evaluate_rule(rule["not"])
    return _compare(rule.get("value"), rule["operator"], rule.get("compare"))


@register_node
class ConditionNode(Node):
    type = "condition"
    label = "Condition"
    description = (
        "Compare context values (equals, greater than, contains, is empty, …) combined with and/or/not; "
        'continues on the "true" or the "false" branch.'
    )
    category = "logic"
    outputs = ["true", "false"]
    side_effects = False
    time_bounded = True
    data_schema = {
        "type": "object",
        "required": ["rule"],
        "properties": {"rule": {"$ref": "#/$defs/rule"}},
        **RULE_SCHEMA,
    }

    def run(self, call: NodeCall) -> NodeResult:
        result = evaluate_rule(call.data["rule"])
        # The data passes through unchanged; the branch taken is stored with the run.
        return NodeResult(output=dict(call.upstream), branch="true" if result else "false")
