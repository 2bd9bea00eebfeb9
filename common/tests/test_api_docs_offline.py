"""The API docs (Swagger UI at /api/docs/, ReDoc at /api/redoc/) load everything from our own server.

Offline (a laptop on a train, a locked-down office network) a page that pulls its scripts from a CDN
is blank; this walks every asset each page references and fetches it from us.
"""

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client


class _AssetCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in ("src", "href"):
            if attributes.get(name) and tag in {"script", "link", "img"}:
                self.urls.append(attributes[name])
        # ReDoc without settings: <redoc spec-url="...">
        if attributes.get("spec-url"):
            self.urls.append(attributes["spec-url"])


def _assets(page_url: str, html: str) -> list[str]:
    collector = _AssetCollector()
    collector.feed(html)
    urls = list(collector.urls)
    # The schema URL handed to Swagger UI (url: "...") or ReDoc (Redoc.init("...", ...)) in inline script.
    urls += re.findall(r'url: "([^"]+)"', html)
    urls += re.findall(r'Redoc\.init\("([^"]+)"', html)
    return [urljoin(f"http://testserver{page_url}", url) for url in urls]


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.django_db
@pytest.mark.parametrize("page_url", ["/api/docs/", "/api/redoc/"])
def test_docs_page_and_every_asset_come_from_our_server(page_url):
    client = Client()
    page = client.get(page_url)
    assert page.status_code == 200
    html = page.content.decode()
    assets = _assets(page_url, html)

    scripts = [url for url in assets if url.endswith(".js")]
    assert scripts, f"{page_url} references no script: {assets}"
    assert any(urlsplit(url).path == "/api/schema/" for url in assets), f"{page_url} has no schema URL: {assets}"
    for url in assets:
        parts = urlsplit(url)
        assert parts.netloc == "testserver", f"{page_url} loads {url} from another host"
        response = client.get(parts.path, dict(re.findall(r"([^&=]+)=?([^&]*)", parts.query)))
        assert response.status_code == 200, f"{url}: {response.status_code}"
        assert _body(response), f"{url} is empty"
