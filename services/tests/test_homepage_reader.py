"""The homepage reader against a fake website on 127.0.0.1: facts, robots.txt, the size cap, the SSRF guard."""

import pytest

from services.enrichment.homepage import HomepageError, HomepageReader
from testing.fake_enrichment import FakeWebsite

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<title> 한빛테크 | 산업용 센서 </title>
<meta name="description" content="한빛테크는 산업용 온도 센서를 만듭니다.">
<script>var x = "noreply@tracker.example";</script></head>
<body><h1>한빛테크</h1>
<p>문의: <a href="mailto:Sales@Hanbit.co.kr?subject=hi">영업팀</a>, 대표전화 02-849-7976</p>
<p>support@hanbit.co.kr · <a href="tel:+82-10-1234-5678">휴대폰</a></p></body></html>"""


def reader(**kwargs) -> HomepageReader:
    options = {"timeout": 5, "max_bytes": 100_000, "user_agent": "SalesOneBot/1.0", "allowed_hosts": ["127.0.0.1"]}
    return HomepageReader(**{**options, **kwargs})


def test_title_description_emails_and_phones():
    pages = {"/": (200, "text/html; charset=utf-8", PAGE)}
    with FakeWebsite(pages) as site:
        facts = reader().read(site.url + "/")
    assert facts.title == "한빛테크 | 산업용 센서"
    assert facts.description == "한빛테크는 산업용 온도 센서를 만듭니다."
    assert facts.emails == ["sales@hanbit.co.kr", "support@hanbit.co.kr"]  # not the script's
    assert facts.phones == ["+821012345678", "+8228497976"]
    assert site.paths == ["/robots.txt", "/"]
    assert set(site.user_agents) == {"SalesOneBot/1.0"}


def test_robots_txt_that_disallows_us_is_obeyed():
    pages = {
        "/robots.txt": (200, "text/plain", "User-agent: SalesOneBot\nDisallow: /\n"),
        "/": (200, "text/html", PAGE),
    }
    with FakeWebsite(pages) as site, pytest.raises(HomepageError, match=r"robots\.txt"):
        reader().read(site.url + "/")
    assert site.paths == ["/robots.txt"]


def test_robots_txt_for_other_agents_lets_us_read():
    pages = {
        "/robots.txt": (200, "text/plain", "User-agent: BadBot\nDisallow: /\n"),
        "/": (200, "text/html", PAGE),
    }
    with FakeWebsite(pages) as site:
        assert reader().read(site.url + "/").title


def test_a_page_larger_than_the_cap_is_read_up_to_it():
    big = "<html><head><title>큰 페이지</title></head><body>" + "가" * 50_000 + " late@hanbit.co.kr</body></html>"
    with FakeWebsite({"/": (200, "text/html; charset=utf-8", big)}) as site:
        facts = reader(max_bytes=1_000).read(site.url + "/")
    assert facts.title == "큰 페이지"
    assert facts.emails == []  # beyond the cap: never downloaded


def test_a_loopback_homepage_is_refused_by_the_ssrf_guard():
    with FakeWebsite({"/": (200, "text/html", PAGE)}) as site:
        with pytest.raises(HomepageError, match="refused"):
            reader(allowed_hosts=[]).read(site.url + "/")
        assert site.paths == []


def test_a_redirect_to_a_private_address_is_refused():
    site = FakeWebsite({"/": (302, "text/html", "http://10.0.0.1/admin")})
    with site, pytest.raises(HomepageError, match="refused"):
        reader().read(site.url + "/")


def test_a_page_that_is_not_html_is_an_error():
    site = FakeWebsite({"/": (200, "application/pdf", "%PDF")})
    with site, pytest.raises(HomepageError, match="not an HTML page"):
        reader().read(site.url + "/")
