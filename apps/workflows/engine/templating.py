"""Workflow templates: Jinja2 in the bounded sandbox over the execution context, compiled once per
distinct source string.

A string that is exactly one expression (``"{{ input.amount }}"``) renders to the expression's own
value (a number stays a number, a list a list); any other string with ``{{``/``{%`` renders to text.
Every render runs within the TEMPLATE_* limits of common/templating.py (CPU time, output, integer
size, loop iterations); saving a workflow only compiles its templates (nothing is evaluated then).
The immutable sandbox refuses attribute tricks and mutation; there is no ``eval`` anywhere.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from jinja2 import TemplateError

from common import templating

_env = templating.environment(autoescape=False, keep_trailing_newline=True)
_SINGLE_EXPRESSION = re.compile(r"^\s*\{\{(?P<expr>(?:(?!\{\{|\}\}).)*)\}\}\s*$", re.DOTALL)


class TemplateRenderError(Exception):
    pass


def is_template(value: str) -> bool:
    return "{{" in value or "{%" in value


def _shown(source: str) -> str:
    return repr(source if len(source) <= 200 else source[:200] + "…")


@lru_cache(maxsize=8192)
def _compile(source: str):
    """(kind, compiled): kind "expr" returns a native value, "text" a string."""
    try:
        match = _SINGLE_EXPRESSION.match(source)
        if match:
            return "expr", templating.compile_expression(_env, match.group("expr"))
        return "text", _env.from_string(source)
    except TemplateError as exc:
        raise TemplateRenderError(f"invalid template {_shown(source)}: {exc}") from exc
    except RecursionError as exc:
        raise TemplateRenderError(f"invalid template {_shown(source)}: nested too deeply") from exc


@lru_cache(maxsize=4096)
def compile_expression(source: str):
    try:
        return templating.compile_expression(_env, source)
    except TemplateError as exc:
        raise TemplateRenderError(f"invalid expression {_shown(source)}: {exc}") from exc
    except RecursionError as exc:
        raise TemplateRenderError(f"invalid expression {_shown(source)}: nested too deeply") from exc


def check_syntax(source: str) -> str | None:
    """The syntax error of a template, or None; used when a workflow is saved (nothing is evaluated)."""
    try:
        _compile(source)
    except TemplateRenderError as exc:
        return str(exc)
    return None


def check_expression(source: str) -> str | None:
    try:
        compile_expression(source)
    except TemplateRenderError as exc:
        return str(exc)
    return None


def render_string(source: str, variables: dict) -> Any:
    kind, compiled = _compile(source)
    try:
        if kind == "expr":
            return compiled(variables)
        return templating.render(compiled, variables)
    except TemplateError as exc:  # every render error and limit, with its line
        raise TemplateRenderError(f"template {_shown(source)} failed: {exc}") from exc


def evaluate(source: str, variables: dict) -> Any:
    try:
        return compile_expression(source)(variables)
    except TemplateError as exc:
        raise TemplateRenderError(f"expression {_shown(source)} failed: {exc}") from exc


def render_data(value: Any, variables: dict, raw_fields: frozenset[str] = frozenset()) -> Any:
    """Render every template string inside ``value`` (dicts and lists walked; keys left as they are)."""
    if isinstance(value, str):
        return render_string(value, variables) if ("{{" in value or "{%" in value) else value
    if isinstance(value, dict):
        return {key: (item if key in raw_fields else render_data(item, variables)) for key, item in value.items()}
    if isinstance(value, list):
        return [render_data(item, variables) for item in value]
    return value


def has_templates(value: Any) -> bool:
    if isinstance(value, str):
        return "{{" in value or "{%" in value
    if isinstance(value, dict):
        return any(has_templates(item) for item in value.values())
    if isinstance(value, list):
        return any(has_templates(item) for item in value)
    return False


def template_strings(value: Any, raw_fields: frozenset[str] = frozenset()):
    """Every template string inside ``value`` (for syntax checks on save)."""
    if isinstance(value, str):
        if is_template(value):
            yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in raw_fields:
                yield from template_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from template_strings(item)
