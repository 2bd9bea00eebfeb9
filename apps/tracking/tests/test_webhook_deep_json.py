"""A webhook body nested thousands of levels deep is refused with a JSON 4xx, never a RecursionError 500."""

import time

import pytest

from apps.tracking.models import InboundMessage, TrackingEvent
from testing.webhook_signers import MailgunSigner, SendGridSigner

pytestmark = pytest.mark.django_db

DEEP = b"[" * 10_000 + b"]" * 10_000


def test_signed_sendgrid_body_nested_10k_deep_is_400(client, settings, drain):
    signer = SendGridSigner()
    settings.SENDGRID_WEBHOOK_PUBLIC_KEY = signer.public_key
    response = client.post("/api/webhooks/sendgrid/", data=DEEP, content_type="application/json", **signer.sign(DEEP))
    assert response.status_code == 400
    assert response.json()["detail"] == "The body is not JSON: JSON nested more than 32 levels deep."
    drain()
    assert not TrackingEvent.objects.exists()


def test_mailgun_body_nested_10k_deep_is_403(client, settings):
    settings.MAILGUN_WEBHOOK_SIGNING_KEY = MailgunSigner().key
    body = b'{"signature": ' + b'{"a": ' * 5_000 + b"1" + b"}" * 5_000 + b"}"
    response = client.post("/api/webhooks/mailgun/", data=body, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["detail"] == "Missing Mailgun signature."


def test_inbound_reply_with_deep_json_fields_is_kept(client, settings):
    """The JSON side fields of inbound posts are ignored when too deep; the reply itself is kept."""
    settings.TRACKING_INBOUND_SECRET = "inbound-secret-0123456789"
    form = {"from": "ceo@nexpa.co.kr", "subject": "Re: 제안", "text": "네", "envelope": DEEP.decode()}
    response = client.post("/api/webhooks/sendgrid/inbound/inbound-secret-0123456789/", form)
    assert response.status_code == 200
    signer = MailgunSigner()
    settings.MAILGUN_WEBHOOK_SIGNING_KEY = signer.key
    form = {**signer.signature(), "from": "ceo@nexpa.co.kr", "subject": "Re: 제안", "message-headers": DEEP.decode()}
    assert client.post("/api/webhooks/mailgun/inbound/", form).status_code == 200
    assert InboundMessage.objects.count() == 2


def test_unterminated_string_of_escaped_quotes_is_refused_at_once(client, settings):
    """The depth check costs linear time whatever the body (the Mailgun post is read before its signature)."""
    settings.MAILGUN_WEBHOOK_SIGNING_KEY = MailgunSigner().key
    body = b'{"signature": "' + b'\\"' * 200_000
    started = time.monotonic()
    response = client.post("/api/webhooks/mailgun/", data=body, content_type="application/json")
    assert response.status_code == 403
    assert time.monotonic() - started < 3
