"""A subject and HTML (and a text part) are scored as one MIME message; spam is recognised and refused."""

from django.utils import translation

from apps.campaigns.spam_check import spam_check_message, spam_check_refusal
from conftest import client_for

# SpamAssassin's standard test string (GTUBE): always spam, whatever the rules' version.
GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
HTML = "<p>안녕하세요, 넥스트바이오 김민수 대표님.</p><p>세일즈원 이지은입니다. 검색광고 사례를 공유드립니다.</p>"


def test_a_text_part_makes_the_message_multipart(spamd, user):
    client = client_for(user)
    html_only = client.post("/api/deliverability/spam-check/", {"subject": "검색광고 제안", "html": HTML}).json()
    with_text = client.post(
        "/api/deliverability/spam-check/",
        {"subject": "검색광고 제안", "html": HTML, "text": "안녕하세요, 넥스트바이오 김민수 대표님."},
    ).json()

    assert "MIME_HTML_ONLY" in {rule["name"] for rule in html_only["rules"]}
    assert "MIME_HTML_ONLY" not in {rule["name"] for rule in with_text["rules"]}
    assert with_text["score"] == html_only["score"] - 0.1


def test_spam_is_recognised_and_refused_for_advertising(spamd, settings, user):
    settings.SPAM_CHECK_MAX_SCORE_ADVERTISING = 5.0
    response = client_for(user).post("/api/deliverability/spam-check/", {"subject": "특가", "html": f"<p>{GTUBE}</p>"})

    report = response.json()
    assert report["is_spam"] is True and report["score"] >= 1000
    assert {"name": "GTUBE", "score": 1000.0, "description": "BODY: Generic Test for Unsolicited Bulk Email"} in report[
        "rules"
    ]
    with translation.override("en"):
        refusal = spam_check_refusal(spam_check_message(subject="특가", html=f"<p>{GTUBE}</p>"))
    assert refusal.startswith("The message scores 1000.")
    assert spam_check_refusal(spam_check_message(subject="제안", html=HTML)) is None
