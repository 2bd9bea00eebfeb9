"""Complete e-mail bodies: a whole HTML document with its CSS inlined, and its text/plain alternative.

Mail filters score an HTML-only message (MIME_HTML_ONLY) and an HTML fragment without <html>/<body>
(LIST_PARTIAL_SHORT_MSG), and many mail clients drop <style> blocks; so every message we send is
multipart/alternative with a complete document. The text part comes from the HTML through inscriptis
(a maintained HTML-to-text converter), with links written "text (URL)".
"""

from __future__ import annotations

import functools
import html as html_lib
import re

import css_inline
from inscriptis import get_text
from inscriptis.model.config import ParserConfig
from inscriptis.model.tag import CustomHtmlTagHandlerMapping

_HTML_TAG = re.compile(r"<html\b", re.IGNORECASE)
_STYLE_TAG = re.compile(r"<style\b", re.IGNORECASE)
_LINKED_SCHEMES = ("http://", "https://", "mailto:")


def _link_start(state, attrs: dict) -> None:
    href = (attrs.get("href") or "").strip()
    state.link_target = href if href.lower().startswith(_LINKED_SCHEMES) else ""


def _link_end(state) -> None:
    if state.link_target:
        target = state.link_target.removeprefix("mailto:")
        state.tags[-1].write(f" ({target})")


_TEXT_CONFIG = ParserConfig(
    custom_html_tag_handler_mapping=CustomHtmlTagHandlerMapping(
        start_tag_mapping={"a": _link_start}, end_tag_mapping={"a": _link_end}
    )
)


@functools.lru_cache(maxsize=256)
def html_to_text(html: str) -> str:
    """The text/plain alternative of an HTML body: paragraphs kept, links as "text (URL)".
    Cached: a chunk converts each distinct body once."""
    if not html.strip():
        return ""
    lines = [line.rstrip() for line in get_text(html, _TEXT_CONFIG).strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def _document(body: str, title: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="ko">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html_lib.escape(title)}</title>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


@functools.lru_cache(maxsize=256)
def html_document(html: str, title: str = "") -> str:
    """A complete HTML document (doctype, <html lang="ko">, <meta charset="utf-8">, <body>) with every
    <style> block inlined into style attributes. A body that is a whole document already is kept
    as written (only its CSS is inlined). Cached per distinct body."""
    document = html if _HTML_TAG.search(html) else _document(html, title)
    if _STYLE_TAG.search(document):
        document = css_inline.inline(document)
        if not document.lstrip().lower().startswith("<!doctype"):
            document = "<!DOCTYPE html>\n" + document
    return document


def complete_message(message):
    """Fill in what a single (transactional, workflow) message lacks: a complete HTML document and a
    text part made from it. A text part written by the caller is kept as written."""
    if message.html:
        message.html = html_document(message.html, message.subject)
        if not message.text:
            message.text = html_to_text(message.html)
    return message
