"""A webhook timestamp that is no instant ("inf", "1e400", NaN, year 10,000) is a clear 4xx, never a 500.

Signature timestamps are checked before anything else (403: nothing is trusted); event timestamps of a
signed body are a 400 that names the field. Either way nothing is stored.
"""

import json
import time
import uuid

import pytest

from apps.tracking.models import TrackingEvent, WebhookToken
from testing.webhook_signers import MailgunSigner, SendGridSigner

from .factories import ResultFactory

pytestmark = pytest.mark.django_db

NOT_INSTANTS = ["inf", "-inf", "1e400", "1e300", "99999999999999"]


@pytest.fixture
def sendgrid(settings):
    signer = SendGridSigner()
    settings.SENDGRID_WEBHOOK_PUBLIC_KEY = signer.public_key
    return signer


@pytest.fixture
def mailgun(settings):
    signer = MailgunSigner()
    settings.MAILGUN_WEBHOOK_SIGNING_KEY = signer.key
    return signer


def _nothing_stored(drain):
    drain()
    assert not TrackingEvent.objects.exists()
    assert not WebhookToken.objects.exists()


@pytest.mark.parametrize("timestamp", NOT_INSTANTS)
def test_sendgrid_signature_timestamp_not_an_instant_is_403(client, sendgrid, drain, timestamp):
    body = b"[]"
    headers = sendgrid.sign(body)
    headers["HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_TIMESTAMP"] = timestamp
    response = client.post("/api/webhooks/sendgrid/", data=body, content_type="application/json", **headers)
    assert response.status_code == 403
    assert response.json()["detail"] == "The signature timestamp is not a number."
    _nothing_stored(drain)


@pytest.mark.parametrize("timestamp", ["1e400", "-1e400", "Infinity", "NaN", "1e300"])
def test_sendgrid_event_timestamp_not_an_instant_is_400(client, sendgrid, drain, timestamp):
    result = ResultFactory()
    event = {"email": result.email, "event": "open", "sg_event_id": uuid.uuid4().hex, "result_id": str(result.id)}
    # JSON numbers as SendGrid would write them (1e400 parses to inf; Python's json reads Infinity/NaN).
    body = json.dumps([event])[:-2].encode() + f', "timestamp": {timestamp}}}]'.encode()
    response = client.post("/api/webhooks/sendgrid/", data=body, content_type="application/json", **sendgrid.sign(body))
    assert response.status_code == 400
    assert "timestamp" in response.json()["detail"]
    _nothing_stored(drain)


@pytest.mark.parametrize("timestamp", NOT_INSTANTS)
def test_mailgun_signature_timestamp_not_an_instant_is_403(client, mailgun, drain, timestamp):
    result = ResultFactory()
    signature = mailgun.signature()
    signature["timestamp"] = timestamp
    event = {"id": "e1", "event": "opened", "timestamp": time.time(), "recipient": result.email}
    body = json.dumps({"signature": signature, "event-data": event})
    response = client.post("/api/webhooks/mailgun/", data=body, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["detail"] == "The signature timestamp is not a number."
    _nothing_stored(drain)


def test_mailgun_event_timestamp_overflow_is_400(client, mailgun, drain):
    result = ResultFactory()
    event = {"id": "e1", "event": "opened", "timestamp": 1e300, "recipient": result.email}
    body = json.dumps({"signature": mailgun.signature(), "event-data": event}).replace("1e+300", "1e400")
    response = client.post("/api/webhooks/mailgun/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "timestamp" in response.json()["detail"]
    assert not TrackingEvent.objects.exists()


def test_mailgun_inbound_signature_timestamp_inf_is_403(client, mailgun):
    form = {**mailgun.signature(), "timestamp": "inf", "from": "a@b.kr", "subject": "Re: x"}
    response = client.post("/api/webhooks/mailgun/inbound/", form)
    assert response.status_code == 403
