"""One message through the provider chain (transactional mail): fallback on an outage, attachments as
each real API takes them, a refusal that is final, and the development outbox."""

import base64
import time

import pytest

from apps.mail.models import OutboxMessage
from services.email import Attachment, EmailMessage, PermanentEmailError, TransientEmailError, send_email

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% \xea\xb2\xac\xec\xa0\x81\xec\x84\x9c\n1 0 obj <<>> endobj\n%%EOF\n"


def _message(**kwargs) -> EmailMessage:
    return EmailMessage(
        to="kim@repurehc.com",
        subject="[SalesOne] 견적서를 보내드립니다",
        html="<p>강윤구 대표님, 요청하신 견적서를 첨부합니다.</p>",
        text="강윤구 대표님, 요청하신 견적서를 첨부합니다.",
        attachments=[Attachment("견적서_2026-12.pdf", PDF, "application/pdf")],
        category="quote",
        **kwargs,
    )


def test_sendgrid_receives_the_attachment_base64_encoded(fake_sendgrid):
    result = send_email(_message())

    assert result.provider == "sendgrid" and result.message_id
    [request] = fake_sendgrid.requests
    [attachment] = request["body"]["attachments"]
    assert attachment == {
        "content": base64.b64encode(PDF).decode(),
        "filename": "견적서_2026-12.pdf",
        "type": "application/pdf",
        "disposition": "attachment",
    }
    # text/plain first, as SendGrid requires
    assert [c["type"] for c in request["body"]["content"]] == ["text/plain", "text/html"]
    assert fake_sendgrid.recipients() == ["kim@repurehc.com"]


def test_sendgrid_outage_falls_back_to_mailgun_with_the_attachment(fake_sendgrid, fake_mailgun, settings):
    settings.EMAIL_PROVIDERS = ["sendgrid", "mailgun"]
    fake_sendgrid.script = [503]

    result = send_email(_message())

    assert result.provider == "mailgun"
    assert fake_sendgrid.request_count == 1 and fake_sendgrid.recipients() == []
    assert fake_mailgun.recipients() == ["kim@repurehc.com"]
    [request] = fake_mailgun.requests
    assert request["files"] == [("견적서_2026-12.pdf", PDF)]


def test_every_provider_down_is_a_transient_error(fake_sendgrid, fake_mailgun, settings):
    settings.EMAIL_PROVIDERS = ["sendgrid", "mailgun"]
    fake_sendgrid.script = [503]
    fake_mailgun.script = [502]

    with pytest.raises(TransientEmailError):
        send_email(_message())
    assert fake_sendgrid.recipients() == fake_mailgun.recipients() == []


def test_a_refused_address_is_final_and_not_tried_elsewhere(fake_sendgrid, fake_mailgun, settings):
    settings.EMAIL_PROVIDERS = ["sendgrid", "mailgun"]

    with pytest.raises(PermanentEmailError, match="Invalid email"):
        send_email(EmailMessage(to="not-an-address", subject="견적서", html="<p>견적서</p>"))
    assert fake_mailgun.request_count == 0


def test_outbox_keeps_the_message_and_describes_the_attachment(settings):
    settings.EMAIL_PROVIDERS = ["outbox"]

    result = send_email(_message(message_id="<quote-1@salesone.kr>"))

    stored = OutboxMessage.objects.get(message_id=result.message_id)
    assert stored.message_id == "<quote-1@salesone.kr>" and stored.to_email == "kim@repurehc.com"
    assert stored.attachments == [{"filename": "견적서_2026-12.pdf", "mimetype": "application/pdf", "size": len(PDF)}]
    assert stored.text.startswith("강윤구 대표님") and stored.category == "quote"


def test_an_unknown_outcome_is_not_sent_again_by_the_next_provider(fake_sendgrid, fake_mailgun, settings):
    """SendGrid received the message but its answer never came (read timeout): it may deliver it, so
    Mailgun must not send a second copy."""
    settings.EMAIL_PROVIDERS = ["sendgrid", "mailgun"]
    settings.EMAIL_HTTP_TIMEOUT = 0.3
    fake_sendgrid.latency = 1.0

    with pytest.raises(TransientEmailError) as raised:
        send_email(_message())
    assert raised.value.outcome_unknown
    deadline = time.monotonic() + 5
    while not fake_sendgrid.recipients() and time.monotonic() < deadline:
        time.sleep(0.05)  # the fake answers (too late) after its latency
    assert fake_sendgrid.recipients() == ["kim@repurehc.com"]
    assert fake_mailgun.request_count == 0
