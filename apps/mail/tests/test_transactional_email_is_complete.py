"""A transactional e-mail given only HTML goes out complete: a whole HTML document and a text part."""

import pytest

from apps.campaigns.tests.delivered import mailgun_delivered, parts
from apps.mail.tasks import send_transactional_email

pytestmark = pytest.mark.django_db


def test_transactional_html_gets_a_document_and_a_text_part(fake_mailgun):
    send_transactional_email.apply(
        kwargs={
            "to": "kim@repurehc.com",
            "subject": "[SalesOne] 비밀번호 재설정",
            "html": '<p>아래 링크에서 비밀번호를 다시 정하세요.</p><p><a href="https://app.salesone.kr/r/abc">재설정</a></p>',
            "category": "password_reset",
        }
    ).get()

    [message] = mailgun_delivered(fake_mailgun)
    text, html = parts(message)
    assert text == "아래 링크에서 비밀번호를 다시 정하세요.\n\n재설정 (https://app.salesone.kr/r/abc)\n"
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="ko">' in html and "<title>[SalesOne] 비밀번호 재설정</title>" in html


def test_a_text_part_given_by_the_caller_is_kept(fake_mailgun):
    send_transactional_email.apply(
        kwargs={"to": "kim@repurehc.com", "subject": "알림", "html": "<p>HTML</p>", "text": "직접 쓴 본문"}
    ).get()

    [message] = mailgun_delivered(fake_mailgun)
    assert parts(message)[0].strip() == "직접 쓴 본문"
