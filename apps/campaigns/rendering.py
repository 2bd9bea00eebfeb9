"""Template rendering: Jinja2 in the bounded sandbox, the variables a template sees, and the advertising rules.

Templates are written by users, so they render through common/templating.py: an immutable sandbox
that refuses attribute access to internals (``{{ ''.__class__ }}``, refused already when the template
is saved) and bounds every render (CPU time, output, integer size, loop iterations; the limits are the
TEMPLATE_* settings). Every render error is a ``jinja2.TemplateError`` naming the error or the limit and
the line. Subjects render as plain text, bodies are HTML and autoescaped. Compiled templates are cached
per source text in each worker process.
"""

from __future__ import annotations

import contextlib
import functools
import html as html_lib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.conf import settings
from django.utils.translation import gettext as _
from jinja2 import TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError, TemplateError

from common import templating
from common.templating import TemplateLimitError, TemplateLimits, TemplateRenderError

AD_PREFIX = "(광고)"

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


class TemplateValidationError(TemplateRenderError):
    """A template that cannot be saved: a syntax error or a sandbox violation, with its line."""


_BODY_ENV = templating.environment(autoescape=True)
_TITLE_ENV = templating.environment(autoescape=False)


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
                _("Access to %(name)r is not allowed in templates.") % {"name": name},
                lineno=getattr(node, "lineno", None),
            )


@functools.lru_cache(maxsize=512)
def compile_template(source: str, *, html: bool):
    """Parse, check and compile once per source text (per process)."""
    env = _BODY_ENV if html else _TITLE_ENV
    try:
        tree = env.parse(source)
        _check_sandbox(tree)
        return env.from_string(tree)
    except TemplateSyntaxError as exc:
        raise TemplateValidationError(exc.message or _("Syntax error."), lineno=exc.lineno) from exc
    except RecursionError as exc:
        raise TemplateValidationError(_("The template is nested too deeply.")) from exc


def validate_template(source: str, *, html: bool) -> None:
    limit = settings.TEMPLATE_SOURCE_LIMIT_CHARS
    if len(source) > limit:
        raise TemplateValidationError(
            _("The template is %(length)s characters long; the limit is %(limit)s (TEMPLATE_SOURCE_LIMIT_CHARS).")
            % {"length": f"{len(source):,}", "limit": f"{limit:,}"}
        )
    compile_template(source, html=html)


def template_source_problem(source: str, *, html: bool) -> str | None:
    """Why this template source cannot be saved (too long, a syntax error, a sandbox violation, a
    render that fails for the sample lead), or None. The API and the admin both ask it."""
    try:
        validate_template(source, html=html)
    except TemplateValidationError as exc:
        return str(exc)
    return sample_render_error(source, html=html)


def sample_render_error(source: str, *, html: bool) -> str | None:
    """Why the template cannot render for the sample lead (an error or a limit), or None.

    A template that fails for the sample fails for every lead in the same way (``{{ 1/0 }}``, a loop
    over the limits): refused when it is saved rather than when a campaign sends it.
    """
    context = RenderContextFactory(user=SAMPLE_USER, campaign={"id": "", "name": "샘플 캠페인"}).for_lead(
        dict(SAMPLE_COMPANY), {"llm-generation": SAMPLE_PERSONALIZATION}
    )
    try:
        templating.render(compile_template(source, html=html), context)
    except TemplateError as exc:
        return _("%(error)s (rendered for the sample lead)") % {"error": exc}
    return None


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
            elif isinstance(value, list | tuple) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]  # company.homepage.0: the first homepage
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
    text: str = ""  # the template's own text part, rendered; empty when it has none


def render(title_source: str, body_source: str, context: dict, text_source: str = "") -> RenderedMessage:
    """Render subject and body (and the text part the user wrote, if any) within the limits; any
    failure raises a TemplateError."""
    with templating.one_render():
        subject = templating.render(compile_template(title_source, html=False), context)
        body = templating.render(compile_template(body_source, html=True), context)
        text = templating.render(compile_template(text_source, html=False), context) if text_source else ""
    return RenderedMessage(subject=" ".join(subject.split()), html=body, text=text)


class BatchRenderer:
    """Renders one template for many leads: the fast path of a chunk.

    Jinja's ``Template.render`` merges the environment's globals into a fresh dict for every call;
    here the globals and the campaign-wide variables are merged once, and each lead only adds its
    own (``company``, ``lead``, ``data``) to a shared context. Same templates, same sandbox.
    """

    def __init__(self, title_source: str, body_source: str, base: dict, text_source: str = ""):
        self.title = compile_template(title_source, html=False)
        self.body = compile_template(body_source, html=True)
        self.text = compile_template(text_source, html=False) if text_source else None
        self.base = {**self.body.globals, **base}
        self.limits = TemplateLimits.from_settings()

    def _run(self, template, context: dict) -> str:
        return templating.render(template, context, shared=True)

    def context(self, company: dict, data: dict) -> dict:
        """The variables of one lead's render."""
        return {**self.base, "company": company, "lead": company, "data": data}

    def render(self, company: dict, data: dict) -> RenderedMessage:
        context = self.context(company, data)
        with templating.one_render(self.limits):
            subject = self._run(self.title, context)
            html = self._run(self.body, context)
            text = self._run(self.text, context) if self.text is not None else ""
        return RenderedMessage(subject=" ".join(subject.split()), html=html, text=text)


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


def company_from_row(row: Mapping[str, Any]) -> dict:
    """The template's ``company``: the lead's values by field name (a Lead's attributes, or the
    columns of the send's claim) in COMPANY_FIELDS order, then ``id``. The one row mapper of the
    preview and the send, so a template renders the same values in both."""
    return _company({name: row.get(name) for name in COMPANY_FIELDS}, row.get("id"))


def company_from_columns(values: Sequence[Any], lead_id: Any) -> dict:
    """``company_from_row`` of the claim's columns, given in COMPANY_FIELDS order: the same mapping
    without a mapping built per row first (the claim maps 1,000 rows per chunk; issue 18's profile)."""
    return _company(dict(zip(COMPANY_FIELDS, values, strict=True)), lead_id)


def _company(company: dict, lead_id: Any) -> dict:
    homepage = company["homepage"]
    if isinstance(homepage, str):  # raw SQL reads jsonb as its JSON text; templates get the list
        with contextlib.suppress(ValueError):  # a Lead's own value: a bare string stays one
            company["homepage"] = orjson.loads(homepage)
    established = company["established_date"]
    if established is not None and not isinstance(established, str):
        company["established_date"] = established.isoformat()
    company["id"] = str(lead_id or "")
    return company


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


SAMPLE_USER = {
    "name": "김영업",
    "email": "sales@sample.co.kr",
    "first_name": "영업",
    "last_name": "김",
    "contact": "sales@sample.co.kr",
}
SAMPLE_PERSONALIZATION = "샘플컴퍼니의 성장을 돕는 맞춤 제안을 드립니다."


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


def advertising_footer_text(*, sender: SenderInfo, unsubscribe_link: str) -> str:
    """The footer of the text part: the same words, the opt-out link written out."""
    return (
        f"\n\n--\n발신자: {sender.name} · 연락처: {sender.contact}\n"
        f"본 메일은 광고성 정보입니다. 더 이상 받지 않으시려면 수신거부 ({unsubscribe_link})를 눌러 주세요 (무료).\n"
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
        text_before, _, text_after = advertising_footer_text(sender=sender, unsubscribe_link=self._LINK).partition(
            self._LINK
        )
        self.text_before, self.text_after = text_before, text_after

    def __call__(self, unsubscribe_link: str) -> str:
        return self.before + html_lib.escape(unsubscribe_link, quote=True) + self.after

    def text(self, unsubscribe_link: str) -> str:
        return self.text_before + unsubscribe_link + self.text_after


__all__ = [
    "AD_PREFIX",
    "RenderContextFactory",
    "RenderedMessage",
    "SecurityError",
    "SenderInfo",
    "TemplateError",
    "TemplateLimitError",
    "TemplateRenderError",
    "TemplateValidationError",
    "advertising_footer",
    "advertising_footer_text",
    "advertising_subject",
    "compile_template",
    "missing_variables",
    "render",
    "template_source_problem",
    "uses_variable",
    "validate_template",
    "variable_paths",
]
