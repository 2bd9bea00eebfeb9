import json
import time
import uuid

import pytest

from apps.campaigns.models import CampaignLeadResult
from apps.mail.models import SuppressedAddress
from apps.tracking.models import TrackingEvent, WebhookToken
from testing.webhook_signers import MailgunSigner

from .factories import ResultFactory

pytestmark = pytest.mark.django_db

URL = "/api/webhooks/mailgun/"
Status = CampaignLeadResult.Status
BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari"


@pytest.fixture
def signer(settings):
    signer = MailgunSigner()
    settings.MAILGUN_WEBHOOK_SIGNING_KEY = signer.key
    return signer


def mg_event(result, event: str, *, event_id: str | None = None, **extra) -> dict:
    return {
        "id": event_id or uuid.uuid4().hex[:22],
        "event": event,
        "timestamp": time.time(),
        "recipient": result.email,
        "message": {"headers": {"message-id": result.provider_message_id.strip("<>")}},
        "user-variables": {"result_id": str(result.id), "campaign_id": str(result.campaign_id)},
        **extra,
    }


def post(client, event: dict, signature: dict):
    body = json.dumps({"signature": signature, "event-data": event})
    return client.post(URL, data=body, content_type="application/json")


def test_valid_signature_applies_the_event(client, signer, drain):
    result = ResultFactory()
    response = post(client, mg_event(result, "opened", **{"client-info": {"user-agent": BROWSER}}), signer.signature())
    assert response.status_code == 200
    assert response.json() == {"received": 1, "ignored": 0}
    drain()
    result.refresh_from_db()
    assert result.status == Status.OPENED and result.opened_at is not None


def _no_trace(drain):
    drain()
    assert not TrackingEvent.objects.exists()
    assert not WebhookToken.objects.exists()
    assert not SuppressedAddress.objects.exists()


def test_wrong_key_is_403_and_stores_nothing(client, signer, drain):
    result = ResultFactory()
    forged = MailgunSigner().signature()
    assert post(client, mg_event(result, "complained"), forged).status_code == 403
    _no_trace(drain)


def test_missing_signature_is_403(client, signer, drain):
    result = ResultFactory()
    body = json.dumps({"event-data": mg_event(result, "complained")})
    assert client.post(URL, data=body, content_type="application/json").status_code == 403
    assert (
        post(client, mg_event(result, "complained"), {"timestamp": "", "token": "", "signature": ""}).status_code == 403
    )
    _no_trace(drain)


def test_forged_post_is_403_whatever_its_payload(client, signer, drain):
    """The signature is checked before the body is read: a forgery never gets a 400 that describes it."""
    forged = MailgunSigner().signature()
    assert client.post(URL, data=json.dumps({"signature": forged}), content_type="application/json").status_code == 403
    assert client.post(URL, data=b"not json", content_type="application/json").status_code == 403
    # Validly signed but without an event: that one is the sender's mistake, 400.
    response = client.post(URL, data=json.dumps({"signature": signer.signature()}), content_type="application/json")
    assert response.status_code == 400
    drain()
    assert not TrackingEvent.objects.exists()


def test_stale_signature_is_403(client, signer, drain, settings):
    settings.TRACKING_WEBHOOK_MAX_AGE_SECONDS = 300
    result = ResultFactory()
    response = post(client, mg_event(result, "complained"), signer.signature(timestamp=int(time.time()) - 900))
    assert response.status_code == 403
    _no_trace(drain)


def test_replayed_token_is_403(client, signer, drain):
    result = ResultFactory()
    signature = signer.signature()
    assert post(client, mg_event(result, "delivered"), signature).status_code == 200
    # The same signed token again, even carrying another event, is refused.
    assert post(client, mg_event(result, "complained"), signature).status_code == 403
    drain()
    assert list(TrackingEvent.objects.values_list("kind", flat=True)) == ["delivered"]
    assert not SuppressedAddress.objects.exists()


def test_same_event_delivered_twice_changes_nothing(client, signer, drain):
    result = ResultFactory()
    event = mg_event(result, "clicked", url="https://shop.example.co.kr/", **{"client-info": {"user-agent": BROWSER}})
    post(client, event, signer.signature())
    drain()
    result.refresh_from_db()
    first = (result.status, result.clicked_at, result.click_count, result.updated_at)
    assert post(client, event, signer.signature()).status_code == 200  # a retry, freshly signed
    drain()
    result.refresh_from_db()
    assert (result.status, result.clicked_at, result.click_count, result.updated_at) == first
    assert TrackingEvent.objects.count() == 1


EFFECTS = [
    ("delivered", {}, Status.SENT, "delivered_at", None),
    ("opened", {"client-info": {"user-agent": BROWSER}}, Status.OPENED, "opened_at", None),
    ("clicked", {"client-info": {"user-agent": BROWSER}, "url": "https://a.kr/"}, Status.CLICKED, "clicked_at", None),
    ("failed", {"severity": "permanent", "reason": "bounce"}, Status.BOUNCED, "bounced_at", "bounced"),
    ("failed", {"severity": "temporary", "reason": "generic"}, Status.SENT, None, None),
    ("complained", {}, Status.SENT, "complained_at", "complained"),
    ("unsubscribed", {}, Status.SENT, "unsubscribed_at", "unsubscribed"),
]


@pytest.mark.parametrize(("name", "extra", "status", "stamp", "suppressed"), EFFECTS)
def test_each_event_type_has_its_effect(client, signer, drain, name, extra, status, stamp, suppressed):
    result = ResultFactory()
    assert post(client, mg_event(result, name, **extra), signer.signature()).status_code == 200
    drain()
    result.refresh_from_db()
    assert result.status == status
    if stamp:
        assert getattr(result, stamp) is not None
    suppression = SuppressedAddress.objects.filter(email=result.email).first()
    assert (suppression.reason if suppression else None) == suppressed


def test_untracked_event_type_is_acknowledged_and_ignored(client, signer, drain):
    result = ResultFactory()
    response = post(client, mg_event(result, "accepted"), signer.signature())
    assert response.json() == {"received": 0, "ignored": 1}
    drain()
    assert not TrackingEvent.objects.exists()


def test_result_found_by_message_id_without_user_variables(client, signer, drain):
    result = ResultFactory(provider_message_id="<20260302010000.1.ABCDEF@mg.salesone.kr>")
    event = mg_event(result, "delivered")
    del event["user-variables"]
    post(client, event, signer.signature())
    drain()
    assert TrackingEvent.objects.get().result_id == result.id
