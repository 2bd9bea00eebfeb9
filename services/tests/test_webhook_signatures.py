"""Each provider verifies its own event webhook before anything of the body counts (``webhook_post``):
real signatures (ECDSA P-256 for SendGrid, HMAC-SHA256 for Mailgun) made as the providers make them."""

import json
import time

import pytest

from services.email.mailgun import MailgunProvider
from services.email.sendgrid import SendGridProvider
from services.email.tracking import WebhookPayloadError, WebhookSignatureError
from testing.webhook_signers import MailgunSigner, SendGridSigner, sendgrid_body

MAX_AGE = 300


def _sendgrid_headers(signed: dict) -> dict:
    return {
        "X-Twilio-Email-Event-Webhook-Signature": signed["HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_SIGNATURE"],
        "X-Twilio-Email-Event-Webhook-Timestamp": signed["HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_TIMESTAMP"],
    }


@pytest.fixture
def sendgrid_signer(settings):
    signer = SendGridSigner()
    settings.SENDGRID_WEBHOOK_PUBLIC_KEY = signer.public_key
    return signer


@pytest.fixture
def mailgun_signer(settings):
    signer = MailgunSigner()
    settings.MAILGUN_WEBHOOK_SIGNING_KEY = signer.key
    return signer


def _sendgrid_event(**extra) -> dict:
    return {
        "email": "kim@repurehc.com",
        "event": "open",
        "timestamp": int(time.time()),
        "sg_event_id": "ev-1",
        "sg_message_id": "x-message-id.filterdrecv-1",
        "result_id": "7b0c3c1e-2f4e-4b7e-9a55-0c7f0e7f4b11",
        **extra,
    }


def test_sendgrid_signed_post_gives_its_events_and_replay_token(sendgrid_signer):
    body = sendgrid_body([_sendgrid_event(), {"event": "processed", "email": "kim@repurehc.com"}])
    signed = _sendgrid_headers(sendgrid_signer.sign(body))

    post = SendGridProvider.webhook_post(body=body, headers=signed, now=time.time(), max_age=MAX_AGE)

    [event] = post.events
    assert (event.kind, event.email, event.result_id) == ("open", "kim@repurehc.com", _sendgrid_event()["result_id"])
    assert event.provider_message_ids == ["x-message-id", "x-message-id.filterdrecv-1"]
    assert post.ignored == 1  # "processed" is not tracked
    assert post.signed_at == int(signed["X-Twilio-Email-Event-Webhook-Timestamp"])
    # The same signed payload gives the same token, whatever signature bytes carry it.
    again = SendGridProvider.webhook_post(
        body=body,
        headers=_sendgrid_headers(sendgrid_signer.sign(body, int(post.signed_at))),
        now=time.time(),
        max_age=MAX_AGE,
    )
    assert again.replay_token == post.replay_token


@pytest.mark.parametrize(
    "tamper, message",
    [
        (lambda body, headers: (body.replace(b"open", b"click"), headers), "Invalid SendGrid signature"),
        (lambda body, headers: (body, {}), "Missing SendGrid signature headers"),
        (
            lambda body, headers: (body, {**headers, "X-Twilio-Email-Event-Webhook-Signature": "bm90LWEtc2ln"}),
            "(Invalid|Unreadable) SendGrid signature",
        ),
    ],
    ids=["changed body", "no headers", "garbage signature"],
)
def test_sendgrid_post_not_signed_by_sendgrid_is_refused(sendgrid_signer, tamper, message):
    body = sendgrid_body([_sendgrid_event()])
    body, headers = tamper(body, _sendgrid_headers(sendgrid_signer.sign(body)))

    with pytest.raises(WebhookSignatureError, match=message):
        SendGridProvider.webhook_post(body=body, headers=headers, now=time.time(), max_age=MAX_AGE)


def test_sendgrid_stale_signature_is_refused(sendgrid_signer):
    body = sendgrid_body([_sendgrid_event()])
    headers = _sendgrid_headers(sendgrid_signer.sign(body, int(time.time()) - MAX_AGE - 5))

    with pytest.raises(WebhookSignatureError, match="stale"):
        SendGridProvider.webhook_post(body=body, headers=headers, now=time.time(), max_age=MAX_AGE)


def test_sendgrid_without_a_verification_key_accepts_nothing(settings):
    settings.SENDGRID_WEBHOOK_PUBLIC_KEY = ""
    body = sendgrid_body([_sendgrid_event()])

    with pytest.raises(WebhookSignatureError, match="not configured"):
        SendGridProvider.webhook_post(
            body=body, headers=_sendgrid_headers(SendGridSigner().sign(body)), now=time.time(), max_age=MAX_AGE
        )


def test_sendgrid_signed_body_that_is_not_an_event_list_is_a_payload_error(sendgrid_signer):
    body = b'{"event": "open"}'

    with pytest.raises(WebhookPayloadError, match="JSON array"):
        SendGridProvider.webhook_post(
            body=body, headers=_sendgrid_headers(sendgrid_signer.sign(body)), now=time.time(), max_age=MAX_AGE
        )


def _mailgun_body(signature: dict, event: dict | None = None) -> bytes:
    event = event or {
        "id": "mg-event-1",
        "event": "failed",
        "severity": "permanent",
        "timestamp": time.time(),
        "recipient": "kim@repurehc.com",
        "message": {"headers": {"message-id": "20261206.1@mg.example.co.kr"}},
        "user-variables": {"result_id": "r-1"},
    }
    return json.dumps({"signature": signature, "event-data": event}).encode()


def test_mailgun_signed_post_gives_its_event_and_token(mailgun_signer):
    signature = mailgun_signer.signature()

    post = MailgunProvider.webhook_post(body=_mailgun_body(signature), headers={}, now=time.time(), max_age=MAX_AGE)

    [event] = post.events
    assert (event.kind, event.suppress, event.result_id) == ("bounce", "bounced", "r-1")
    assert event.provider_message_ids == ["20261206.1@mg.example.co.kr", "<20261206.1@mg.example.co.kr>"]
    assert post.replay_token == signature["token"] and post.ignored == 0


def test_mailgun_signature_with_another_key_is_refused(mailgun_signer):
    forged = MailgunSigner().signature()  # a valid HMAC, with a key that is not ours

    with pytest.raises(WebhookSignatureError, match="Invalid Mailgun signature"):
        MailgunProvider.webhook_post(body=_mailgun_body(forged), headers={}, now=time.time(), max_age=MAX_AGE)


def test_mailgun_forged_post_with_an_unreadable_event_is_refused_not_parsed(mailgun_signer):
    """The signature is checked first: a forged post learns nothing of how we parse."""
    forged = {**mailgun_signer.signature(), "signature": "0" * 64}

    with pytest.raises(WebhookSignatureError):
        MailgunProvider.webhook_post(
            body=_mailgun_body(forged, event="not an event"), headers={}, now=time.time(), max_age=MAX_AGE
        )
    with pytest.raises(WebhookPayloadError, match="event-data"):
        MailgunProvider.webhook_post(
            body=_mailgun_body(mailgun_signer.signature(), event="not an event"),
            headers={},
            now=time.time(),
            max_age=MAX_AGE,
        )


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"event-data": {}}'], ids=["not json", "a list", "unsigned"])
def test_mailgun_post_without_a_signature_block_is_refused(mailgun_signer, body):
    with pytest.raises(WebhookSignatureError, match="Missing Mailgun signature"):
        MailgunProvider.webhook_post(body=body, headers={}, now=time.time(), max_age=MAX_AGE)


def test_mailgun_stale_signature_is_refused(mailgun_signer):
    stale = mailgun_signer.signature(timestamp=int(time.time()) - MAX_AGE - 5)

    with pytest.raises(WebhookSignatureError, match="stale"):
        MailgunProvider.webhook_post(body=_mailgun_body(stale), headers={}, now=time.time(), max_age=MAX_AGE)
