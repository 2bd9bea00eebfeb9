import time

import pytest

from apps.campaigns.models import CampaignLeadResult
from apps.campaigns.tracking import reply_address
from apps.tracking.models import InboundMessage, TrackingEvent, WebhookToken
from testing.webhook_signers import MailgunSigner

from .factories import ResultFactory

pytestmark = pytest.mark.django_db

SECRET = "inbound-secret-for-tests-0123456789"
SENDGRID_URL = f"/api/webhooks/sendgrid/inbound/{SECRET}/"
MAILGUN_URL = "/api/webhooks/mailgun/inbound/"


@pytest.fixture(autouse=True)
def _inbound_settings(settings):
    settings.TRACKING_INBOUND_SECRET = SECRET
    settings.TRACKING_REPLY_DOMAIN = "reply.salesone.kr"


def sendgrid_form(*, in_reply_to="", references="", to="sales@salesone.kr", extra_headers="", subject="Re: 제안"):
    headers = (
        "From: 강윤구 <ceo@nexpa.co.kr>\n"
        f"To: {to}\n"
        f"Subject: {subject}\n"
        "Message-ID: <CAF=reply-1@mail.gmail.com>\n"
        + (f"In-Reply-To: {in_reply_to}\n" if in_reply_to else "")
        + (f"References: {references}\n" if references else "")
        + extra_headers
    )
    return {
        "headers": headers,
        "from": "강윤구 <ceo@nexpa.co.kr>",
        "to": to,
        "subject": subject,
        "text": "관심 있습니다. 자료 보내주세요.",
        "envelope": f'{{"to":["{to}"],"from":"ceo@nexpa.co.kr"}}',
    }


def test_reply_matched_by_in_reply_to_marks_replied(client):
    result = ResultFactory()
    response = client.post(SENDGRID_URL, sendgrid_form(in_reply_to=result.message_id))
    assert response.status_code == 200
    assert response.json()["status"] == "matched" and response.json()["result"] == str(result.id)

    message = InboundMessage.objects.get()
    assert message.result_id == result.id and message.matched_by == "message_id"
    assert message.text.startswith("관심 있습니다")
    result.refresh_from_db()
    assert result.status == CampaignLeadResult.Status.REPLIED
    assert result.replied_at == TrackingEvent.objects.get(kind="reply").occurred_at


def test_reply_matched_through_references_when_in_reply_to_is_another_mail(client):
    result = ResultFactory()
    form = sendgrid_form(in_reply_to="<unknown@elsewhere>", references=f"<first@x> {result.message_id}")
    assert client.post(SENDGRID_URL, form).json()["status"] == "matched"


def test_reply_matched_by_reply_address(client):
    result = ResultFactory(message_id="")
    form = sendgrid_form(to=reply_address(result.id))
    assert client.post(SENDGRID_URL, form).json()["result"] == str(result.id)
    assert InboundMessage.objects.get().matched_by == "reply_address"


def test_a_message_id_naming_a_result_id_under_another_domain_is_not_matched(client):
    # Replies are looked up by the result id inside <id@domain>, and only match the Message-ID we sent.
    result = ResultFactory()
    forged = f"<{result.id}@elsewhere.example>"
    response = client.post(SENDGRID_URL, sendgrid_form(in_reply_to=forged, references="<not-a-uuid@x> <@>"))
    assert response.status_code == 200 and response.json()["status"] == "unmatched"
    result.refresh_from_db()
    assert result.replied_at is None


def test_unmatched_mail_is_kept_for_review(client):
    ResultFactory()
    response = client.post(SENDGRID_URL, sendgrid_form(in_reply_to="<nobody@nowhere>"))
    assert response.status_code == 200 and response.json()["status"] == "unmatched"
    message = InboundMessage.objects.get()
    assert message.result is None and message.status == "unmatched"
    assert message.from_email == "ceo@nexpa.co.kr"
    assert not TrackingEvent.objects.exists()


def test_provider_retry_of_the_same_mail_is_kept_once(client):
    result = ResultFactory()
    for _ in range(2):
        client.post(SENDGRID_URL, sendgrid_form(in_reply_to=result.message_id))
    assert InboundMessage.objects.count() == 1
    assert TrackingEvent.objects.count() == 1


def test_out_of_office_is_kept_but_not_a_reply(client):
    result = ResultFactory()
    form = sendgrid_form(
        in_reply_to=result.message_id, extra_headers="Auto-Submitted: auto-replied\n", subject="부재중"
    )
    client.post(SENDGRID_URL, form)
    message = InboundMessage.objects.get()
    assert message.is_auto_reply and message.result_id == result.id
    event = TrackingEvent.objects.get()
    assert event.is_machine and event.machine_reason == "auto_reply"
    result.refresh_from_db()
    assert result.replied_at is None and result.status == CampaignLeadResult.Status.SENT


def test_raw_mime_mode_is_parsed(client):
    result = ResultFactory()
    mime = (
        "From: ceo@nexpa.co.kr\r\nTo: sales@salesone.kr\r\nSubject: =?utf-8?b?UmU6IOygnOyViA==?=\r\n"
        f"Message-ID: <raw-1@mail>\r\nIn-Reply-To: {result.message_id}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n네 좋습니다.\r\n"
    )
    assert client.post(SENDGRID_URL, {"email": mime}).json()["status"] == "matched"
    message = InboundMessage.objects.get()
    assert message.subject == "Re: 제안" and "좋습니다" in message.text


def test_wrong_inbound_secret_is_403(client, settings):
    result = ResultFactory()
    url = "/api/webhooks/sendgrid/inbound/guessed/"
    assert client.post(url, sendgrid_form(in_reply_to=result.message_id)).status_code == 403
    settings.TRACKING_INBOUND_SECRET = ""  # not configured: nothing gets in
    assert client.post(SENDGRID_URL, sendgrid_form(in_reply_to=result.message_id)).status_code == 403
    assert not InboundMessage.objects.exists()


def mailgun_form(signer, result, **signature):
    return {
        **signer.signature(**signature),
        "recipient": "sales@salesone.kr",
        "sender": "ceo@nexpa.co.kr",
        "from": "강윤구 <ceo@nexpa.co.kr>",
        "subject": "Re: 제안",
        "body-plain": "미팅 가능합니다.",
        "Message-Id": "<mg-reply-1@mail.nexpa.co.kr>",
        "In-Reply-To": result.message_id,
        "message-headers": '[["Subject", "Re: 제안"], ["From", "ceo@nexpa.co.kr"]]',
    }


def test_mailgun_route_reply_is_matched(client, settings):
    signer = MailgunSigner()
    settings.MAILGUN_WEBHOOK_SIGNING_KEY = signer.key
    result = ResultFactory()
    response = client.post(MAILGUN_URL, mailgun_form(signer, result))
    assert response.status_code == 200 and response.json()["status"] == "matched"
    result.refresh_from_db()
    assert result.status == CampaignLeadResult.Status.REPLIED


def test_mailgun_route_with_bad_stale_or_replayed_signature_is_403(client, settings):
    signer = MailgunSigner()
    settings.MAILGUN_WEBHOOK_SIGNING_KEY = signer.key
    result = ResultFactory()
    assert client.post(MAILGUN_URL, mailgun_form(MailgunSigner(), result)).status_code == 403
    assert client.post(MAILGUN_URL, mailgun_form(signer, result, timestamp=int(time.time()) - 3600)).status_code == 403
    assert not InboundMessage.objects.exists() and not WebhookToken.objects.exists()
    form = mailgun_form(signer, result)
    assert client.post(MAILGUN_URL, form).status_code == 200
    assert client.post(MAILGUN_URL, form).status_code == 403
    assert InboundMessage.objects.count() == 1
