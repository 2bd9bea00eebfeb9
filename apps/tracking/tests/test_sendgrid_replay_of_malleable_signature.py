"""A captured SendGrid post replayed with another valid spelling of its signature is still a replay (403).

ECDSA signatures are malleable: (r, s) and (r, n - s) both verify, and base64 decoding skips stray
characters. Replay protection keys on what is signed (timestamp + body), so every spelling counts once.
"""

import base64
import time
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from apps.tracking.models import TrackingEvent
from testing.webhook_signers import SendGridSigner, sendgrid_body

from .factories import ResultFactory

pytestmark = pytest.mark.django_db

URL = "/api/webhooks/sendgrid/"
SIGNATURE = "HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_SIGNATURE"
# Order of the P-256 group.
P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def _negated_s(signature_b64: str) -> str:
    r, s = decode_dss_signature(base64.b64decode(signature_b64))
    return base64.b64encode(encode_dss_signature(r, P256_N - s)).decode()


@pytest.fixture
def captured(settings):
    """A signed post as SendGrid sent it, and its body."""
    signer = SendGridSigner()
    settings.SENDGRID_WEBHOOK_PUBLIC_KEY = signer.public_key
    result = ResultFactory()
    event = {"email": result.email, "timestamp": int(time.time()), "event": "click", "url": "https://salesone.kr/",
             "sg_event_id": uuid.uuid4().hex, "result_id": str(result.id)}  # fmt: skip
    body = sendgrid_body([event])
    return body, signer.sign(body)


@pytest.mark.parametrize(
    "respell",
    [_negated_s, lambda signature: signature[:10] + "." + signature[10:]],
    ids=["r,n-s", "stray-character"],
)
def test_replay_with_another_valid_signature_is_403(client, captured, drain, respell):
    body, headers = captured
    assert client.post(URL, data=body, content_type="application/json", **headers).status_code == 200
    replay = {**headers, SIGNATURE: respell(headers[SIGNATURE])}
    response = client.post(URL, data=body, content_type="application/json", **replay)
    assert response.status_code == 403
    assert response.json()["detail"] == "This signed payload was already received (replay)."


def test_other_spelling_still_verifies_on_first_delivery(client, captured, drain):
    """The other spelling is a genuine signature: alone, it is accepted (only its second use is refused)."""
    body, headers = captured
    other = {**headers, SIGNATURE: _negated_s(headers[SIGNATURE])}
    response = client.post(URL, data=body, content_type="application/json", **other)
    assert response.status_code == 200
    drain()
    assert TrackingEvent.objects.filter(kind="click").count() == 1
