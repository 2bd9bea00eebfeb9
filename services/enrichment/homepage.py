"""A company's homepage: its title, description, contact e-mail addresses and phone numbers.

The URL is the lead's (a user typed it, or a source did), so every request goes through the SSRF
guard (services/safe_http.py), redirects included. robots.txt is read first and obeyed for our user
agent; the page is read up to a size cap with a timeout, and the rest is never downloaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import phonenumbers
import requests

from services import safe_http

MAX_REDIRECTS = 3
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


class HomepageError(Exception):
    """The page could not be read (refused by the guard or robots.txt, no answer, not HTML)."""


@dataclass
class HomepageFacts:
    url: str
    title: str = ""
    description: str = ""
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)  # E.164, e.g. +82212345678


class _PageParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.description = ""
        self.mailto: list[str] = []
        self.tel: list[str] = []
        self.text: list[str] = []
        self._in_title = False
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        values = {name: value or "" for name, value in attrs}
        if tag == "title":
            self._in_title = True
        elif tag in ("script", "style"):
            self._skip += 1
        elif tag == "meta" and values.get("name", values.get("property", "")).lower() in (
            "description",
            "og:description",
        ):
            self.description = self.description or values.get("content", "").strip()
        elif tag == "a":
            href = values.get("href", "")
            if href.lower().startswith("mailto:"):
                self.mailto.append(href[7:].split("?", 1)[0])
            elif href.lower().startswith("tel:"):
                self.tel.append(href[4:])

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        elif tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        elif not self._skip:
            self.text.append(data)


def _unique(values) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def parse_homepage(url: str, html: str, *, region: str = "KR") -> HomepageFacts:
    parser = _PageParser()
    parser.feed(html)
    text = " ".join(parser.text)
    emails = _unique(e.strip().lower() for e in parser.mailto + _EMAIL.findall(text))
    phones = []
    for candidate in [*parser.tel, text]:
        for match in phonenumbers.PhoneNumberMatcher(candidate, region):
            phones.append(phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164))
    return HomepageFacts(
        url=url,
        title=" ".join(parser.title.split())[:300],
        description=" ".join(parser.description.split())[:1000],
        emails=[e for e in emails if _EMAIL.fullmatch(e)][:20],
        phones=_unique(phones)[:20],
    )


class HomepageReader:
    def __init__(self, *, timeout: float, max_bytes: int, user_agent: str, allowed_hosts=()):
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.user_agent = user_agent
        self.allowed_hosts = tuple(allowed_hosts)

    def _get(self, url: str) -> requests.Response:
        """GET through the guard, following at most MAX_REDIRECTS redirects, each one checked again."""
        for _ in range(MAX_REDIRECTS + 1):
            try:
                response = safe_http.request(
                    "GET",
                    url,
                    allowed_hosts=self.allowed_hosts,
                    headers={"User-Agent": self.user_agent, "Accept": "text/html"},
                    timeout=self.timeout,
                    stream=True,
                )
            except safe_http.BlockedAddressError as exc:
                raise HomepageError(f"refused: {exc}") from exc
            except requests.RequestException as exc:
                raise HomepageError(f"GET {url} failed: {exc}") from exc
            if response.is_redirect and response.headers.get("Location"):
                response.close()
                url = urljoin(url, response.headers["Location"])
                continue
            return response
        raise HomepageError(f"more than {MAX_REDIRECTS} redirects")

    def _read(self, response: requests.Response) -> bytes:
        try:
            return response.raw.read(self.max_bytes, decode_content=True)
        finally:
            response.close()

    def allowed_by_robots(self, url: str) -> bool:
        parts = urlsplit(url)
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        try:
            response = self._get(robots_url)
        except HomepageError:
            return True  # no robots.txt to be had: nothing forbids (RFC 9309 §2.3.1.3 for 4xx)
        body = self._read(response)
        if response.status_code in (401, 403):
            return False
        if response.status_code >= 400:
            return True
        robots = RobotFileParser()
        robots.parse(body.decode("utf-8", "replace").splitlines())
        return robots.can_fetch(self.user_agent, url)

    def read(self, url: str) -> HomepageFacts:
        if not urlsplit(url).scheme:
            url = "http://" + url
        if not self.allowed_by_robots(url):
            raise HomepageError(f"robots.txt disallows {url} for {self.user_agent}")
        response = self._get(url)
        if response.status_code != 200:
            response.close()
            raise HomepageError(f"GET {url} answered {response.status_code}")
        content_type = response.headers.get("Content-Type", "text/html")
        if "html" not in content_type:
            response.close()
            raise HomepageError(f"{url} is not an HTML page ({content_type})")
        body = self._read(response)
        # Without a charset requests guesses ISO-8859-1; Korean sites without one are UTF-8.
        html = body.decode(response.encoding if "charset" in content_type.lower() else "utf-8", "replace")
        return parse_homepage(url, html)
