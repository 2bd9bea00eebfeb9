import re
import uuid
from html import unescape
from urllib.parse import urlsplit

import pytest

from apps.campaigns.tracking import instrument_html, list_unsubscribe_headers, result_token, unsubscribe_url

RESULT = uuid.UUID("0b9a4c7e-5b9c-4b8e-9d59-3f1f0a6c2d11")


def _hrefs(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]*)"', html)]


def test_http_links_become_signed_click_urls_and_others_stay(settings):
    settings.PUBLIC_BASE_URL = "https://api.salesone.kr"
    unsubscribe = unsubscribe_url(RESULT)
    html = (
        "<html><body>"
        '<a href="https://shop.example.co.kr/item?id=1&amp;ref=mail">상품</a>'
        "<A HREF='http://blog.example.com/'>블로그</A>"
        '<a href="mailto:sales@salesone.kr">메일</a>'
        '<a href="tel:02-1234-5678">전화</a>'
        '<a href="#top">위로</a>'
        f'<a href="{unsubscribe}">수신거부</a>'
        "</body></html>"
    )
    out = instrument_html(html, RESULT)
    hrefs = _hrefs(out)
    token = result_token(RESULT)
    assert hrefs[0].startswith(f"https://api.salesone.kr/api/t/c/{token}/")
    assert "u=https%3A%2F%2Fshop.example.co.kr%2Fitem%3Fid%3D1%26ref%3Dmail" in hrefs[0]
    assert f"/api/t/c/{token}/" in out.split("블로그")[0].rsplit("<A", 1)[1]  # single quotes, upper case
    assert hrefs[1:] == ["mailto:sales@salesone.kr", "tel:02-1234-5678", "#top", unsubscribe]


def test_open_pixel_goes_just_before_the_body_end(settings):
    settings.PUBLIC_BASE_URL = "https://api.salesone.kr"
    out = instrument_html("<html><body><p>본문</p></BODY></html>", RESULT)
    pixel = f'<img src="https://api.salesone.kr/api/t/o/{result_token(RESULT)}/" width="1" height="1"'
    assert pixel in out
    assert out.index(pixel) < out.index("</BODY>")
    assert instrument_html("<p>조각</p>", RESULT).startswith("<p>조각</p><img ")


@pytest.mark.django_db
def test_rewritten_link_redirects_to_the_original(client):
    from .factories import ResultFactory

    result = ResultFactory()
    out = instrument_html('<a href="https://shop.example.co.kr/a?x=1&amp;y=%ED%95%9C">링크</a>', result.id)
    parts = urlsplit(_hrefs(out)[0])
    response = client.get(f"{parts.path}?{parts.query}")
    assert response.status_code == 302
    assert response["Location"] == "https://shop.example.co.kr/a?x=1&y=%ED%95%9C"


def test_every_recipient_gets_their_own_token():
    html = '<a href="https://example.com/">x</a>'
    first, second = instrument_html(html, uuid.uuid4()), instrument_html(html, uuid.uuid4())
    assert first != second


def test_list_unsubscribe_headers_offer_one_click(settings):
    settings.PUBLIC_BASE_URL = "https://api.salesone.kr"
    headers = list_unsubscribe_headers(RESULT)
    assert headers["List-Unsubscribe"] == f"<https://api.salesone.kr/api/t/u/{result_token(RESULT)}/>"
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
