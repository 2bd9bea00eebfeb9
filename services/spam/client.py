"""A small SPAMC/1.5 client: one REPORT request per message, the score and every rule hit.

The protocol is a header block and the message over TCP (spamd's PROTOCOL file); the REPORT
answer carries "Spam: <bool> ; <score> / <threshold>" and the human report whose table lists each
rule with its points and description. Tested against the real daemon (apps/deliverability/tests).
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

DEFAULT_PORT = 783
_SPAM_HEADER = re.compile(r"^Spam:\s*(\w+)\s*;\s*(-?[\d.]+)\s*/\s*(-?[\d.]+)", re.I | re.M)
_RULE_LINE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s+(\S+)\s+(.*)$")
_MAX_ANSWER = 1024 * 1024


class SpamdError(Exception):
    """The daemon could not be reached or gave no usable answer."""


@dataclass(frozen=True)
class SpamRule:
    name: str
    score: float
    description: str


@dataclass(frozen=True)
class SpamdResult:
    score: float
    threshold: float
    is_spam: bool
    rules: tuple[SpamRule, ...]


class SpamdClient:
    def __init__(self, url: str, *, timeout: float = 10.0):
        parts = urlsplit(url if "://" in url else f"spamd://{url}")
        if not parts.hostname:
            raise SpamdError(f"SPAMD_URL {url!r} names no host")
        self.host, self.port, self.timeout = parts.hostname, parts.port or DEFAULT_PORT, timeout

    def report(self, message: bytes) -> SpamdResult:
        request = b"REPORT SPAMC/1.5\r\nContent-length: %d\r\n\r\n" % len(message) + message
        try:
            with socket.create_connection((self.host, self.port), timeout=self.timeout) as sock:
                sock.sendall(request)
                sock.shutdown(socket.SHUT_WR)
                answer = b""
                while chunk := sock.recv(65536):
                    answer += chunk
                    if len(answer) > _MAX_ANSWER:
                        raise SpamdError("spamd answered with more than 1 MB")
        except OSError as exc:
            raise SpamdError(f"spamd at {self.host}:{self.port} did not answer: {exc}") from exc
        return parse_report(answer)


def parse_report(answer: bytes) -> SpamdResult:
    head, _, body = answer.partition(b"\r\n\r\n")
    head_text = head.decode("latin-1")
    status_line = head_text.split("\r\n", 1)[0]
    if not status_line.startswith("SPAMD/") or status_line.split()[1:2] != ["0"]:
        raise SpamdError(f"spamd refused the message: {status_line or 'no answer'}")
    match = _SPAM_HEADER.search(head_text)
    if not match:
        raise SpamdError("spamd's answer has no Spam header")
    return SpamdResult(
        score=float(match.group(2)),
        threshold=float(match.group(3)),
        is_spam=match.group(1).lower() == "true",
        rules=tuple(_rules(body.decode("utf-8", "replace"))),
    )


def _rules(report: str) -> list[SpamRule]:
    """The rows of the report's table ("pts rule name description"); a description that wraps
    continues on indented lines without points."""
    rules: list[SpamRule] = []
    lines = report.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.startswith("----")) + 1
    except StopIteration:
        return rules
    for line in lines[start:]:
        if not line.strip():
            break
        match = _RULE_LINE.match(line)
        if match:
            rules.append(SpamRule(name=match.group(2), score=float(match.group(1)), description=match.group(3).strip()))
        elif rules:
            last = rules.pop()
            rules.append(SpamRule(last.name, last.score, f"{last.description} {line.strip()}"))
    return rules


def spamd_client() -> SpamdClient | None:
    """The client for SPAMD_URL, or None when no daemon is configured."""
    if not settings.SPAMD_URL:
        return None
    return SpamdClient(settings.SPAMD_URL, timeout=settings.SPAMD_TIMEOUT)
