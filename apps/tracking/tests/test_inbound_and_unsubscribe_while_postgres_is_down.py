"""What is written at once (replies, opt-outs) answers 503 while PostgreSQL is down — never a 2xx for
something that was not kept: providers retry the reply, the person is told to try the opt-out again."""

import pytest

from apps.campaigns.tracking import unsubscribe_url
from apps.mail.models import SuppressedAddress
from apps.tracking.models import InboundMessage
from testing.webhook_signers import MailgunSigner

from .factories import ResultFactory

SECRET = "inbound-secret-0123456789"
REPLY = {"from": "ceo@nexpa.co.kr", "subject": "Re: 제안", "text": "관심 있습니다."}


@pytest.fixture(autouse=True)
def _keys(settings):
    settings.TRACKING_INBOUND_SECRET = SECRET


def test_replies_are_503_then_kept_when_the_provider_retries(client, settings, postgres_outage):
    signer = MailgunSigner()
    settings.MAILGUN_WEBHOOK_SIGNING_KEY = signer.key
    mailgun_form = {**signer.signature(), **REPLY}
    with postgres_outage():
        sendgrid = client.post(f"/api/webhooks/sendgrid/inbound/{SECRET}/", REPLY)
        assert sendgrid.status_code == 503
        assert sendgrid.json()["detail"] == "Tracking storage is unavailable; deliver again later."
        assert client.post("/api/webhooks/mailgun/inbound/", mailgun_form).status_code == 503
    assert client.post(f"/api/webhooks/sendgrid/inbound/{SECRET}/", REPLY).status_code == 200
    assert client.post("/api/webhooks/mailgun/inbound/", mailgun_form).status_code == 200  # not a "replay"
    assert InboundMessage.objects.count() == 2


def test_unsubscribe_is_503_and_says_to_try_again(client, postgres_outage):
    result = ResultFactory()
    path = unsubscribe_url(result.id)[unsubscribe_url(result.id).index("/api/") :]
    with postgres_outage():
        response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 503
    assert "수신거부를 지금 처리하지 못했습니다" in response.content.decode()
    assert not SuppressedAddress.objects.exists()
    assert client.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert SuppressedAddress.objects.filter(email=result.email.lower()).exists()
