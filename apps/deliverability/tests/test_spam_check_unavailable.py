"""Without a spam daemon the check says it is unavailable and gives no score, and refuses nothing."""

import socket

from apps.campaigns.spam_check import spam_check_message, spam_check_refusal
from conftest import client_for


def test_no_daemon_configured(settings, user):
    settings.SPAMD_URL = ""
    report = (
        client_for(user)
        .post("/api/deliverability/spam-check/", {"subject": "제안", "html": "<p>안녕</p>"}, HTTP_ACCEPT_LANGUAGE="en")
        .json()
    )
    assert report == {
        "available": False,
        "score": None,
        "threshold": None,
        "is_spam": None,
        "rules": [],
        "detail": "No spam check is configured (SPAMD_URL).",
        "max_score_advertising": 5.0,
    }


def test_daemon_not_answering(settings, user):
    with socket.socket() as sock:  # a loopback port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.SPAMD_URL = f"spamd://127.0.0.1:{port}"
    settings.SPAMD_TIMEOUT = 2.0

    report = (
        client_for(user)
        .post("/api/deliverability/spam-check/", {"subject": "제안", "html": "<p>안녕</p>"}, HTTP_ACCEPT_LANGUAGE="en")
        .json()
    )

    assert report["available"] is False and report["score"] is None
    assert report["detail"].startswith(f"The spam check is unavailable: spamd at 127.0.0.1:{port} did not answer")
    assert spam_check_refusal(spam_check_message(subject="제안", html="<p>안녕</p>")) is None
