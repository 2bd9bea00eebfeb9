"""A chunk's e-mails from one render of its template (issue 18): the mail-merge fast path of the send.

Most campaign templates only print the lead's values (``{{ company.owner }}``, ``{{ data['llm-generation'] }}``)
between fixed text. For such a template the subject, the complete HTML document (its title, the legal
footer, every tracked link rewritten, the open pixel) and its text part are built once per chunk with
markers where each recipient's values, token and link signatures go; each e-mail is then a join of
strings. Per e-mail this saves the Jinja render, the HTML-to-text conversion (inscriptis: two thirds of a
worker's CPU before), the link regex over the whole body and the document wrapper.

What makes a template eligible (``ChunkSkeleton.build`` returns None otherwise, and the chunk renders
each row as before, ``BatchRenderer``): every statement prints literal text or a plain variable path
(``a.b``, ``a['b']``, ``a.0``) — no filter, test, condition, loop, assignment or call; no value lands
inside a tag (an attribute, a link target: those are signed per target) or in a document with a
``<style>`` block (CSS inlining re-serialises the document). Values are looked up and escaped by the
same environment methods the render uses, so the result is the same text; and each chunk proves it on
its first row (both ways, compared) before using it. The text part is the skeleton's conversion with
the values put in, unless a value is empty or not one plain line (the conversion would collapse the
whitespace around it): that row's HTML is then converted as a render does.
"""

from __future__ import annotations

import html as html_lib
import logging
import re
from dataclasses import dataclass

from jinja2 import nodes
from markupsafe import escape

from common.email_content import html_document, html_to_text
from common.templating import is_dict_item

from .rendering import AdvertisingFooter, advertising_subject, compile_template, insert_before_body_end
from .tracking import instrument_html_with, unsubscribe_url

logger = logging.getLogger(__name__)

# Private-use characters: no template, escape, converter or URL quoting touches them.
_OPEN, _CLOSE = "\ue000", "\ue001"
_MARKER = re.compile(f"{_OPEN}([a-z])(\\d*){_CLOSE}")
_STYLE = re.compile(r"<style\b", re.IGNORECASE)
_WIDTH_SENSITIVE = re.compile(r"<(?:table|pre)\b", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")


def _marker(kind: str, index: int | str = "") -> str:
    return f"{_OPEN}{kind}{index}{_CLOSE}"


class _NotEligible(Exception):
    """The template or the document it makes cannot be a skeleton: render each row instead."""


def _path(node: nodes.Node) -> tuple:
    """A plain variable path as (name, step, step, …), each step ("attr", name) or ("item", key)."""
    if isinstance(node, nodes.Name) and node.ctx == "load":
        return (node.name,)
    if isinstance(node, nodes.Getattr):
        return (*_path(node.node), ("attr", node.attr))
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        return (*_path(node.node), ("item", node.arg.value))
    raise _NotEligible


def _pieces(source: str, *, html: bool) -> list:
    """The template as literal strings and variable paths, in order (raises _NotEligible)."""
    template = compile_template(source, html=html)  # the cached compile: validated and sandbox-checked
    tree = template.environment.parse(source)
    pieces: list = []
    for statement in tree.body:
        if not isinstance(statement, nodes.Output):
            raise _NotEligible
        for node in statement.nodes:
            if isinstance(node, nodes.TemplateData):
                pieces.append(node.data)
            else:
                pieces.append(_path(node))
    return pieces


class _Template:
    """One text with slots, as a ``str.format_map`` pattern (one C call per e-mail)."""

    def __init__(self, text: str):
        pattern = []
        at = 0
        for match in _MARKER.finditer(text):
            pattern.append(_braces(text[at : match.start()]))
            pattern.append("{" + match.group(1) + match.group(2) + "}")
            at = match.end()
        pattern.append(_braces(text[at:]))
        self.pattern = "".join(pattern)

    def fill(self, values: dict) -> str:
        return self.pattern.format_map(values)


def _braces(literal: str) -> str:
    return literal.replace("{", "{{").replace("}", "}}")


@dataclass
class MergedMessage:
    subject: str
    html: str
    text: str


class ChunkSkeleton:
    """A campaign's subject, document and text part with markers, built once per chunk."""

    def __init__(self, *, environment, paths: list[tuple], subject, html, text, text_body, fragment, footer_text):
        self.environment = environment
        self.paths = paths
        self.subject = subject
        self.html = html
        self.text = text
        self.text_body = text_body
        self.fragment = fragment
        self.footer_text = footer_text
        self.links: list[str] = []
        self.text_by_width = False
        self._keys: list[tuple[str, str]] = []

    @classmethod
    def build(
        cls,
        *,
        title: str,
        body: str,
        text_body: str,
        footer: AdvertisingFooter | None,
        plain_text: bool,
        clicks: bool,
        opens: bool,
    ) -> ChunkSkeleton | None:
        """The skeleton of this template, or None when it is not eligible (module docstring)."""
        try:
            return cls._build(title, body, text_body, footer, plain_text, clicks, opens)
        except _NotEligible:
            return None

    @classmethod
    def _build(cls, title, body, text_body, footer, plain_text, clicks, opens) -> ChunkSkeleton:
        if any(_OPEN in source or _CLOSE in source for source in (title, body, text_body)):
            raise _NotEligible
        paths: list[tuple] = []

        def marked(pieces: list, kind: str) -> str:
            out = []
            for piece in pieces:
                if isinstance(piece, str):
                    out.append(piece)
                    continue
                if piece not in paths:
                    paths.append(piece)
                out.append(_marker(kind, paths.index(piece)))
            return "".join(out)

        title_pieces = _pieces(title, html=False)
        body_pieces = _pieces(body, html=True)
        text_pieces = _pieces(text_body, html=False) if text_body else None
        subject = marked(title_pieces, "p")
        fragment = marked(body_pieces, "h")
        if _STYLE.search(fragment) or any(_OPEN in tag for tag in _TAG.findall(fragment)):
            raise _NotEligible
        # The document's <title> is the whole subject: one slot, escaped as html_document escapes it.
        document = html_document(fragment, _marker("s"))
        text_marked = marked(text_pieces, "p") if text_pieces is not None else None
        converted = html_to_text(fragment)
        # In the text part a value is the plain one (the subject's slot), not its HTML escape.
        converted = _MARKER.sub(lambda m: _marker("p" if m.group(1) == "h" else m.group(1), m.group(2)), converted)
        footer_text = ""
        if footer is not None:
            unsubscribe = unsubscribe_url(None, token=_marker("t"))
            document = insert_before_body_end(document, footer(unsubscribe))
            footer_text = footer.text(unsubscribe)
        links: list[str] = []

        def sign(target: str) -> str:
            if _OPEN in target:
                raise _NotEligible  # a value in a link target: each row's target differs
            links.append(target)
            return _marker("l", len(links) - 1)

        if plain_text:
            document = ""
        else:
            document = instrument_html_with(document, token=_marker("t"), sign=sign, clicks=clicks, opens=opens)
        skeleton = cls(
            environment=compile_template(body, html=True).environment,
            paths=paths,
            subject=_Template(subject),
            html=_Template(document),
            text=_Template(converted),
            text_body=_Template(text_marked) if text_marked is not None else None,
            fragment=_Template(fragment),
            footer_text=_Template(footer_text),
        )
        skeleton.links = links
        # A table pads its columns to the widest cell and <pre> keeps the value's own spaces: there
        # the text part depends on each value's width, so it is converted per row.
        skeleton.text_by_width = bool(_WIDTH_SENSITIVE.search(fragment))
        skeleton._keys = [(f"p{index}", f"h{index}") for index in range(len(paths))]
        return skeleton

    # -- one row ---------------------------------------------------------------------------------

    def _values(self, context: dict) -> list:
        env = self.environment
        values = []
        for name, *steps in self.paths:
            value = context[name] if name in context else env.undefined(name=name)
            for kind, key in steps:
                if kind == "attr":
                    # ``company.owner`` on a plain dict: the item, by the rule the environment's getattr
                    # uses (common/templating.py), without its call per step; any other case goes to it.
                    value = value[key] if is_dict_item(value, key) and key in value else env.getattr(value, key)
                else:
                    value = env.getitem(value, key)
            values.append(value)
        return values

    def merge(self, *, context: dict, sign, token: str, advertising: bool) -> MergedMessage:
        """The subject, HTML and text of one row: the render's output, without rendering."""
        slots: dict[str, str] = {"t": token}
        exact_text = not self.text_by_width
        for (plain_key, html_key), value in zip(self._keys, self._values(context), strict=True):
            kind = type(value)
            if kind is str:
                plain = value
                # What escaping would leave as it is (five substring tests: cheaper than escaping).
                if "&" in plain or "<" in plain or ">" in plain or "'" in plain or '"' in plain:
                    slots[html_key] = str(escape(plain))
                else:
                    slots[html_key] = plain
            elif kind is int:
                slots[html_key] = plain = str(value)
            else:
                plain = str(value)
                slots[html_key] = str(escape(value))
            slots[plain_key] = plain  # the subject's and the text part's slot
            # The conversion to text collapses whitespace around a value, and drops what it does
            # not print: a value that is empty or not one plain line is converted with the row.
            if exact_text and not (plain and plain.isprintable() and plain == plain.strip() and "  " not in plain):
                exact_text = False
        subject = " ".join(self.subject.fill(slots).split())
        if advertising:
            subject = advertising_subject(subject)
        slots["s"] = html_lib.escape(subject)
        if self.links:  # sign: the row's link signer (tracking.ChunkSigner.link_signer)
            for index, target in enumerate(self.links):
                slots[f"l{index}"] = sign(target)
        html = self.html.fill(slots)
        if self.text_body is None:
            text = self.text.fill(slots) if exact_text else html_to_text(self.fragment.fill(slots))
        else:
            # The user's text part; when it comes out empty the conversion of the HTML stands in, as
            # in a render (the one case converted per row).
            text = self.text_body.fill(slots) or html_to_text(self.fragment.fill(slots))
        text += self.footer_text.fill(slots)
        return MergedMessage(subject=subject, html=html, text=text)

    def output_chars(self, message: MergedMessage) -> int:
        return len(message.subject) + len(message.html) + len(message.text)


__all__ = ["ChunkSkeleton", "MergedMessage"]
