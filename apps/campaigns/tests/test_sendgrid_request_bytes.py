"""The provider's request is the one the SendGrid SDK's own ``post`` sends for the same body."""

import logging

from services.email import EmailMessage
from services.email.sendgrid import SendGridProvider


def _messages():
    return [
        EmailMessage(
            to=f"ceo{i}@회사.example.kr" if i == 2 else f"ceo{i}@example.kr",
            subject=f"(광고) 대표{i}님께",
            html=f'<p>안녕하세요 "대표{i}" &amp; 팀</p>',
            from_email='"(주)세일즈원" <no-reply@salesone.kr>',
            reply_to="sales@salesone.kr",
            headers={"List-Unsubscribe": f"<https://t.example/u/{i}/>"},
            custom_args={"campaign_id": "c", "result_id": str(i)},
            category="campaign",
            message_id=f"<{i}@salesone.kr>",
        )
        for i in range(3)
    ]


def test_send_batch_sends_the_sdk_request_as_utf8_json(fake_sendgrid):
    provider = SendGridProvider()
    messages = _messages()

    results = provider.send_batch(messages)
    provider.client.client.mail.send.post(request_body=provider.build_request_body(messages), timeout=5.0)

    ours, sdks = fake_sendgrid.requests
    assert all(r.accepted and r.message_id for r in results)
    assert ours["body"] == sdks["body"]  # the same JSON value
    # The same headers, but Korean written as UTF-8 (orjson), not as the SDK's \uXXXX escapes: fewer bytes.
    assert {k: v for k, v in ours["headers"].items() if k != "Content-Length"} == {
        k: v for k, v in sdks["headers"].items() if k != "Content-Length"
    }
    assert int(ours["headers"]["Content-Length"]) < int(sdks["headers"]["Content-Length"])
    assert ours["headers"]["Content-Type"] == "application/json"


def test_with_sdk_debug_logging_the_sdk_post_sends(fake_sendgrid, caplog):
    with caplog.at_level(logging.DEBUG, logger="python_http_client.client"):
        [result] = SendGridProvider().send_batch(_messages()[:1])

    assert result.accepted
    assert any(r.message.startswith("PAYLOAD: ") for r in caplog.records)
    assert fake_sendgrid.request_count == 1
