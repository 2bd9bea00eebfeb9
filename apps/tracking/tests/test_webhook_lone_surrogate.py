"""A webhook body with a lone UTF-16 surrogate ("\\ud800" escaped in JSON) is valid JSON but not text:
no text column or jsonb value can hold it. A signed Mailgun event carrying one is a 400 that says why,
never a 500 or a queued batch the writer cannot store; a SendGrid batch skips and counts the event
holding one and keeps the rest; the JSON side fields of an inbound reply are
ignored as when they are not JSON, and the reply is kept."""

import json
import time
import uuid

import pytest

from apps.tracking.models import InboundMessage, TrackingEvent, WebhookToken
from testing.webhook_signers import MailgunSigner, SendGridSigner

pytestmark = pytest.mark.django_db

INBOUND_SECRET = "inbound-secret-0123456789"


def lone(value) -> str:
    """``value`` as JSON text, each "@@" written as the escape of a lone surrogate."""
    return json.dumps(value, ensure_ascii=False).replace("@@", "\\ud800")


def sendgrid_event(email: str) -> dict:
    return {"email": email, "timestamp": int(time.time()), "event": "delivered", "sg_event_id": uuid.uuid4().hex}


def test_signed_sendgrid_batch_with_a_lone_surrogate_keeps_its_good_events(client, settings, drain):
    """A 400 would make SendGrid retry, then drop the whole batch: its bounces and unsubscribes (legally
    required opt-outs) with it. The bad event is skipped and counted, as an unknown kind is."""
    signer = SendGridSigner()
    settings.SENDGRID_WEBHOOK_PUBLIC_KEY = signer.public_key
    body = lone([sendgrid_event("ok@hanbit.co.kr"), sendgrid_event("x@@@hanbit.co.kr")]).encode()
    response = client.post("/api/webhooks/sendgrid/", data=body, content_type="application/json", **signer.sign(body))
    assert response.status_code == 200
    assert response.json() == {"received": 1, "ignored": 1}
    drain()
    assert list(TrackingEvent.objects.values_list("email", flat=True)) == ["ok@hanbit.co.kr"]


def test_a_surrogate_pair_is_ordinary_text(client, settings, drain):
    signer = SendGridSigner()
    settings.SENDGRID_WEBHOOK_PUBLIC_KEY = signer.public_key
    body = lone([sendgrid_event("smile@@@hanbit.co.kr")]).replace("\\ud800", "\\ud83d\\ude00").encode()
    response = client.post("/api/webhooks/sendgrid/", data=body, content_type="application/json", **signer.sign(body))
    assert response.status_code == 200
    drain()
    assert TrackingEvent.objects.get().email == "smile\U0001f600@hanbit.co.kr"


def test_signed_mailgun_event_with_a_lone_surrogate_is_a_400(client, settings, drain):
    signer = MailgunSigner()
    settings.MAILGUN_WEBHOOK_SIGNING_KEY = signer.key
    event = {"id": "e1", "event": "delivered", "timestamp": time.time(), "recipient": "x@@@hanbit.co.kr"}
    body = lone({"signature": signer.signature(), "event-data": event})
    response = client.post("/api/webhooks/mailgun/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "lone UTF-16 surrogate" in response.json()["detail"]
    drain()
    assert not TrackingEvent.objects.exists() and not WebhookToken.objects.exists()


def test_unsigned_mailgun_post_with_a_lone_surrogate_is_still_a_403(client, settings):
    """The signature is checked before anything else of the body counts, a surrogate in it included."""
    settings.MAILGUN_WEBHOOK_SIGNING_KEY = MailgunSigner().key
    now = str(int(time.time()))
    for signature in (
        {"timestamp": now, "token": "t@@", "signature": "00"},
        {"timestamp": now, "token": "t", "signature": "@@"},
        {"timestamp": now, "token": "t", "signature": "é"},
    ):
        body = lone({"signature": signature, "event-data": {"event": "delivered"}})
        response = client.post("/api/webhooks/mailgun/", data=body, content_type="application/json")
        assert response.status_code == 403, body
    assert not WebhookToken.objects.exists()


def test_inbound_reply_with_a_lone_surrogate_in_its_json_fields_is_kept(client, settings):
    settings.TRACKING_INBOUND_SECRET = INBOUND_SECRET
    envelope = lone({"to": ["sales@@@one.co.kr"], "from": "ceo@nexpa.co.kr"})
    form = {"from": "ceo@nexpa.co.kr", "to": "sales@one.co.kr", "subject": "Re: 제안", "envelope": envelope}
    assert client.post(f"/api/webhooks/sendgrid/inbound/{INBOUND_SECRET}/", form).status_code == 200
    signer = MailgunSigner()
    settings.MAILGUN_WEBHOOK_SIGNING_KEY = signer.key
    headers = lone([["Subject", "Re: @@"], ["Message-Id", "<m1@nexpa.co.kr>"]])
    form = {**signer.signature(), "from": "ceo@nexpa.co.kr", "subject": "Re: 제안", "message-headers": headers}
    assert client.post("/api/webhooks/mailgun/inbound/", form).status_code == 200
    assert InboundMessage.objects.count() == 2
