"""Template rendering: Jinja2 in a sandbox, the variables a template sees, and the advertising rules.

Templates are written by users, so they run in a SandboxedEnvironment that refuses attribute access
to internals (``{{ ''.__class__ }}``), refuses them already when the template is saved, and caps the
size of strings built with ``*``. Subjects render as plain text, bodies are HTML and autoescaped.
Compiled templates are cached per source text in each worker process.
"""

from __future__ import annotations

import functools
import html as html_lib
from dataclasses import dataclass, field
from typing import Any

from jinja2 import ChainableUndefined, TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.sandbox import SandboxedEnvironment

AD_PREFIX = "(광고)"
MAX_BUILT_STRING = 100_000

# Variables every template may use; preview lists the ones a template uses but the lead lacks.
TOP_LEVEL_VARIABLES = ("company", "lead", "user", "campaign", "data")
COMPANY_FIELDS = (
    "name",
    "owner",
    "email",
    "phone",
    "homepage",
    "employee",
    "revenue",
    "address",
    "si_nm",
    "sgg_nm",
    "established_date",
    "industry",
)


class TemplateValidationError(Exception):
    """A template that cannot be saved: a syntax error (with its line) or a sandbox violation."""

    def __init__(self, message: str, *, lineno: int | None = None):
        super().__init__(message)
        self.lineno = lineno

    def __str__(self) -> str:
        message = super().__str__()
        return f"Line {self.lineno}: {message}" if self.lineno else message


# Every attribute a plain dict has (methods and dunders): for any other name, the stock sandbox's
# getattr() raises AttributeError and falls back to the item.
_DICT_ATTRIBUTES = frozenset(dir(dict))


class SalesOneSandbox(SandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def getattr(self, obj: Any, attribute: str) -> Any:
        # ``company.name`` on the context's plain dicts, 9 lookups per e-mail: go to the item at once
        # instead of through a raised AttributeError. Same result as the stock lookup, whose every
        # other case (dict methods, other types) still takes it.
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except (TypeError, LookupError):
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)

    def unsafe_undefined(self, obj: Any, attribute: str):
        # The stock sandbox returns an Undefined that prints as "" — silently. A template that
        # reaches for internals is an attack or a mistake; either way it must not be sent.
        raise SecurityError(f"Access to {attribute!r} of a {type(obj).__name__} is not allowed in templates.")

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int | float) and abs(right) > 100:
            raise SecurityError("Exponents above 100 are not allowed in templates.")
        if operator == "*":
            for sequence, times in ((left, right), (right, left)):
                too_long = isinstance(sequence, str | list | tuple) and isinstance(times, int)
                if too_long and len(sequence) * times > MAX_BUILT_STRING:
                    raise SecurityError("Templates may not build strings longer than 100,000 characters.")
        return super().call_binop(context, operator, left, right)


_BODY_ENV = SalesOneSandbox(autoescape=True, undefined=ChainableUndefined)
_TITLE_ENV = SalesOneSandbox(autoescape=False, undefined=ChainableUndefined)


def _check_sandbox(tree: nodes.Template) -> None:
    """Refuse, at save time, anything that names a private or dunder attribute."""
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter)):
        name = None
        if isinstance(node, nodes.Getattr):
            name = node.attr
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            name = node.arg.value
        elif isinstance(node, nodes.Filter) and node.name == "attr" and node.args:
            arg = node.args[0]
            name = arg.value if isinstance(arg, nodes.Const) else None
        if isinstance(name, str) and name.startswith("_"):
            raise TemplateValidationError(
                f"Access to {name!r} is not allowed in templates.", lineno=getattr(node, "lineno", None)
            )


@functools.lru_cache(maxsize=512)
def compile_template(source: str, *, html: bool):
    """Parse, check and compile once per source text (per process)."""
    env = _BODY_ENV if html else _TITLE_ENV
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateValidationError(exc.message or "Syntax error.", lineno=exc.lineno) from exc
    _check_sandbox(tree)
    return env.from_string(tree)


def validate_template(source: str, *, html: bool) -> None:
    compile_template(source, html=html)


@functools.lru_cache(maxsize=512)
def variable_paths(source: str) -> tuple[str, ...]:
    """Dotted variable paths a template reads (``company.owner``, ``data.llm-generation``)."""
    tree = _BODY_ENV.parse(source)
    assigned = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    paths: set[str] = set()

    def path_of(node) -> list[str] | None:
        if isinstance(node, nodes.Name):
            return [node.name]
        if isinstance(node, nodes.Getattr):
            base = path_of(node.node)
            return [*base, node.attr] if base else None
        if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            base = path_of(node.node)
            return [*base, str(node.arg.value)] if base else None
        return None

    inner = set()
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        inner.add(id(node.node))
    for node in tree.find_all((nodes.Name, nodes.Getattr, nodes.Getitem)):
        if id(node) in inner or (isinstance(node, nodes.Name) and node.ctx != "load"):
            continue
        path = path_of(node)
        if path and path[0] not in assigned:
            paths.add(".".join(path))
    return tuple(sorted(paths))


def uses_variable(source: str, name: str) -> bool:
    return any(p == name or p.startswith(name + ".") for p in variable_paths(source))


def missing_variables(sources: list[str], context: dict) -> list[str]:
    """Paths the templates read that the context lacks or leaves empty."""
    missing = []
    for path in sorted({p for source in sources for p in variable_paths(source)}):
        value: Any = context
        for part in path.split("."):
            if isinstance(value, dict) and part in value:
                value = value[part]
            else:
                value = None
                break
        if value is None or value == "" or value == []:
            missing.append(path)
    return missing


@dataclass
class RenderedMessage:
    subject: str
    html: str


def render(title_source: str, body_source: str, context: dict) -> RenderedMessage:
    """Render subject and body; a sandbox violation or template error raises TemplateError."""
    subject = compile_template(title_source, html=False).render(context)
    body = compile_template(body_source, html=True).render(context)
    return RenderedMessage(subject=" ".join(subject.split()), html=body)


class BatchRenderer:
    """Renders one template for many leads: the fast path of a chunk.

    Jinja's ``Template.render`` merges the environment's globals into a fresh dict for every call;
    here the globals and the campaign-wide variables are merged once, and each lead only adds its
    own (``company``, ``lead``, ``data``) to a shared context. Same templates, same sandbox.
    """

    def __init__(self, title_source: str, body_source: str, base: dict):
        self.title = compile_template(title_source, html=False)
        self.body = compile_template(body_source, html=True)
        self.base = {**self.body.globals, **base}

    def _run(self, template, context: dict) -> str:
        try:
            return template.environment.concat(template.root_render_func(template.new_context(context, shared=True)))
        except Exception:
            return template.environment.handle_exception()

    def render(self, company: dict, data: dict) -> RenderedMessage:
        context = {**self.base, "company": company, "lead": company, "data": data}
        subject = self._run(self.title, context)
        return RenderedMessage(subject=" ".join(subject.split()), html=self._run(self.body, context))


# -- the variables -------------------------------------------------------------------------------


@dataclass
class SenderInfo:
    name: str
    email: str
    contact: str


@dataclass
class RenderContextFactory:
    """Builds the context of one lead; the parts shared by a campaign are built once."""

    user: dict
    campaign: dict
    base: dict = field(init=False)

    def __post_init__(self):
        self.base = {"user": self.user, "campaign": self.campaign}

    def for_lead(self, company: dict, data: dict) -> dict:
        return {**self.base, "company": company, "lead": company, "data": data}


def company_from_row(row: dict) -> dict:
    return {name: row.get(name) for name in COMPANY_FIELDS} | {"id": str(row.get("id") or "")}


SAMPLE_COMPANY = {
    "id": "",
    "name": "주식회사 샘플컴퍼니",
    "owner": "홍길동",
    "email": "ceo@sample.co.kr",
    "phone": "02-1234-5678",
    "homepage": ["https://sample.co.kr"],
    "employee": 25,
    "revenue": 1_200_000_000,
    "address": "서울특별시 강남구 테헤란로 123",
    "si_nm": "서울특별시",
    "sgg_nm": "강남구",
    "established_date": "2015-03-02",
    "industry": "기타 화학제품 제조업",
}


# -- 정보통신망법 제50조 ----------------------------------------------------------------------------


def advertising_subject(subject: str) -> str:
    """The subject of an advertising e-mail starts with exactly "(광고)" (not "[광고]" or "(광/고)")."""
    if subject.startswith(AD_PREFIX):
        return subject
    return f"{AD_PREFIX} {subject}"


def advertising_footer(*, sender: SenderInfo, unsubscribe_link: str) -> str:
    """The sender's name and contact and a free opt-out, required in every advertising e-mail."""
    name = html_lib.escape(sender.name)
    contact = html_lib.escape(sender.contact)
    link = html_lib.escape(unsubscribe_link, quote=True)
    return (
        '<div style="margin-top:24px;padding-top:12px;border-top:1px solid #ddd;'
        'font-size:12px;color:#666;line-height:1.6">'
        f"발신자: {name} · 연락처: {contact}<br>"
        "본 메일은 광고성 정보입니다. "
        f'더 이상 받지 않으시려면 <a href="{link}">수신거부</a>를 눌러 주세요 (무료).'
        "</div>"
    )


def insert_before_body_end(html: str, fragment: str) -> str:
    index = html.rfind("</body>")
    if index == -1:
        index = html.lower().rfind("</body>")
    if index == -1:
        return html + fragment
    return html[:index] + fragment + html[index:]


class AdvertisingFooter:
    """The footer with everything but the per-recipient opt-out link escaped once per campaign."""

    _LINK = "\x00salesone-unsubscribe\x00"

    def __init__(self, sender: SenderInfo):
        before, _, after = advertising_footer(sender=sender, unsubscribe_link=self._LINK).partition(self._LINK)
        self.before, self.after = before, after

    def __call__(self, unsubscribe_link: str) -> str:
        return self.before + html_lib.escape(unsubscribe_link, quote=True) + self.after


__all__ = [
    "AD_PREFIX",
    "RenderContextFactory",
    "RenderedMessage",
    "SecurityError",
    "SenderInfo",
    "TemplateError",
    "TemplateValidationError",
    "advertising_footer",
    "advertising_subject",
    "compile_template",
    "missing_variables",
    "render",
    "uses_variable",
    "validate_template",
    "variable_paths",
]
