"""A batch goes out in as few requests as each provider's limits allow (BatchingProvider): at most
1,000 recipients a request, each address once, a shared envelope, and for SendGrid no body over
10,000 bytes to substitute. The fakes refuse any request that breaks a limit, as the real APIs do."""

from services.email import Attachment, EmailMessage


def _messages(count: int, **kwargs) -> list[EmailMessage]:
    return [
        EmailMessage(
            to=f"lead{n}@company{n % 7}.co.kr",
            subject=f"{n}번째 제안",
            html=f"<p>안녕하세요 {n}번째 대표님</p>",
            text=f"안녕하세요 {n}번째 대표님",
            custom_args={"result_id": str(n)},
            **kwargs,
        )
        for n in range(count)
    ]


def test_sendgrid_sends_2500_messages_in_three_requests_of_at_most_1000(sendgrid, fake_sendgrid):
    messages = _messages(2500)

    results = sendgrid.send_batch(messages)

    assert [len(r["body"]["personalizations"]) for r in fake_sendgrid.requests] == [1000, 1000, 500]
    assert all(r.accepted and r.message_id for r in results)
    assert sorted(fake_sendgrid.recipients()) == sorted(m.to for m in messages)
    # Each recipient got their own body, substituted into the shared content.
    assert {m.to: m.html for m in fake_sendgrid.messages}["lead7@company0.co.kr"] == "<p>안녕하세요 7번째 대표님</p>"


def test_mailgun_sends_1001_messages_in_two_requests(mailgun, fake_mailgun):
    messages = _messages(1001)

    results = mailgun.send_batch(messages)

    assert [len([v for k, v in r["fields"] if k == "to"]) for r in fake_mailgun.requests] == [1000, 1]
    assert all(r.accepted for r in results)
    assert sorted(fake_mailgun.recipients()) == sorted(m.to for m in messages)


def test_a_repeated_address_starts_a_new_request(sendgrid, fake_sendgrid, mailgun, fake_mailgun):
    messages = _messages(3)
    messages[2].to = messages[0].to.upper()  # the same address, however it is written

    assert sendgrid.plan_requests(messages) == [[0, 1], [2]]
    assert mailgun.plan_requests(messages) == [[0, 1], [2]]
    assert all(r.accepted for r in sendgrid.send_batch(messages) + mailgun.send_batch(messages))
    assert len(fake_sendgrid.requests) == len(fake_mailgun.requests) == 2
    assert fake_sendgrid.duplicates() == fake_mailgun.duplicates() == {messages[0].to: 2}


def test_sendgrid_sends_a_body_too_large_to_substitute_in_a_request_of_its_own(sendgrid, fake_sendgrid):
    messages = _messages(3)
    messages[1].html = "<p>" + "긴 제안서 " * 1500 + "</p>"  # > 10,000 bytes in UTF-8

    assert sendgrid.plan_requests(messages) == [[1], [0, 2]]
    assert all(r.accepted for r in sendgrid.send_batch(messages))
    assert [len(r["body"]["personalizations"]) for r in fake_sendgrid.requests] == [1, 2]
    # Alone in its request, the body is the content itself, not a substitution.
    [alone] = [r["body"] for r in fake_sendgrid.requests if len(r["body"]["personalizations"]) == 1]
    assert "substitutions" not in alone["personalizations"][0]


def test_mailgun_has_no_body_limit_per_recipient(mailgun):
    messages = _messages(3)
    messages[1].html = "<p>" + "긴 제안서 " * 1500 + "</p>"

    assert mailgun.plan_requests(messages) == [[0, 1, 2]]


def test_messages_with_another_envelope_go_in_another_request(sendgrid, mailgun):
    messages = _messages(4)
    messages[1].from_email = "박지민 <jimin@salesone.kr>"
    messages[3].attachments = [Attachment("견적서.pdf", b"%PDF-1.4", "application/pdf")]

    assert sendgrid.plan_requests(messages) == [[0, 2], [1], [3]]
    # Mailgun sets header names once per request: a message with another header is another request.
    messages[2].headers = {"List-Id": "<campaign.salesone.kr>"}
    assert mailgun.plan_requests(messages) == [[0], [1], [2], [3]]


def test_one_message_per_recipient_is_sent_by_send(sendgrid, fake_sendgrid):
    result = sendgrid.send(_messages(1)[0])

    assert result.provider == "sendgrid" and result.accepted
    assert fake_sendgrid.recipients() == ["lead0@company0.co.kr"]
