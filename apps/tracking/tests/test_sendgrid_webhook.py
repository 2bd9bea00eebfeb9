import json
import time
import uuid

import pytest

from apps.campaigns.models import CampaignLeadResult
from apps.mail.models import SuppressedAddress
from apps.tracking.models import TrackingEvent, WebhookToken
from testing.webhook_signers import SendGridSigner, sendgrid_body

from .factories import ResultFactory

pytestmark = pytest.mark.django_db

URL = "/api/webhooks/sendgrid/"
Status = CampaignLeadResult.Status
BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"


@pytest.fixture
def signer(settings):
    signer = SendGridSigner()
    settings.SENDGRID_WEBHOOK_PUBLIC_KEY = signer.public_key
    return signer


def sg_event(result, event: str, **extra) -> dict:
    return {
        "email": result.email,
        "timestamp": int(time.time()),
        "event": event,
        "sg_event_id": uuid.uuid4().hex,
        "sg_message_id": f"{result.provider_message_id}.filterdrecv-5645d9c87f-8lzr2-1-6617B4A2-1.0",
        "result_id": str(result.id),
        "campaign_id": str(result.campaign_id),
        **extra,
    }


def post(client, signer, events, **sign_kwargs):
    body = sendgrid_body(events)
    return client.post(URL, data=body, content_type="application/json", **signer.sign(body, **sign_kwargs))


def test_valid_signature_is_accepted_and_events_applied(client, signer, drain):
    result = ResultFactory()
    response = post(client, signer, [sg_event(result, "delivered"), sg_event(result, "open", useragent=BROWSER)])
    assert response.status_code == 200
    assert response.json() == {"received": 2, "ignored": 0}
    drain()
    result.refresh_from_db()
    assert result.delivered_at is not None and result.opened_at is not None
    assert result.status == Status.OPENED


def _no_trace(drain):
    drain()
    assert not TrackingEvent.objects.exists()
    assert not WebhookToken.objects.exists()
    assert not SuppressedAddress.objects.exists()


def test_invalid_signature_is_403_and_stores_nothing(client, signer, drain):
    result = ResultFactory()
    body = sendgrid_body([sg_event(result, "spamreport")])
    headers = SendGridSigner().sign(body)  # signed by somebody else's key
    assert client.post(URL, data=body, content_type="application/json", **headers).status_code == 403
    _no_trace(drain)


def test_body_changed_after_signing_is_403(client, signer, drain):
    result = ResultFactory()
    body = sendgrid_body([sg_event(result, "bounce", type="bounce")])
    headers = signer.sign(body)
    tampered = body.replace(result.email.encode(), b"someone@else.kr")
    assert client.post(URL, data=tampered, content_type="application/json", **headers).status_code == 403
    _no_trace(drain)


def test_reserialised_body_fails_so_the_raw_bytes_are_verified(client, signer, drain):
    result = ResultFactory()
    events = [sg_event(result, "delivered")]
    headers = signer.sign(sendgrid_body(events))
    pretty = json.dumps(events, indent=2).encode()
    assert client.post(URL, data=pretty, content_type="application/json", **headers).status_code == 403


def test_missing_signature_is_403(client, signer, drain):
    result = ResultFactory()
    body = sendgrid_body([sg_event(result, "delivered")])
    assert client.post(URL, data=body, content_type="application/json").status_code == 403
    _no_trace(drain)


def test_garbage_signature_is_403(client, signer, drain):
    result = ResultFactory()
    body = sendgrid_body([sg_event(result, "delivered")])
    headers = {
        "HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_SIGNATURE": "%%%not base64",
        "HTTP_X_TWILIO_EMAIL_EVENT_WEBHOOK_TIMESTAMP": str(int(time.time())),
    }
    assert client.post(URL, data=body, content_type="application/json", **headers).status_code == 403
    _no_trace(drain)


def test_stale_signature_is_403(client, signer, drain, settings):
    settings.TRACKING_WEBHOOK_MAX_AGE_SECONDS = 300
    result = ResultFactory()
    response = post(client, signer, [sg_event(result, "delivered")], timestamp=int(time.time()) - 301)
    assert response.status_code == 403
    assert "stale" in response.json()["detail"]
    _no_trace(drain)


def test_replayed_request_is_403(client, signer, drain):
    result = ResultFactory()
    body = sendgrid_body([sg_event(result, "open", useragent=BROWSER)])
    headers = signer.sign(body)
    assert client.post(URL, data=body, content_type="application/json", **headers).status_code == 200
    assert client.post(URL, data=body, content_type="application/json", **headers).status_code == 403
    drain()
    assert TrackingEvent.objects.count() == 1


def test_unconfigured_key_refuses_everything(client, signer, settings):
    result = ResultFactory()
    settings.SENDGRID_WEBHOOK_PUBLIC_KEY = ""
    assert post(client, signer, [sg_event(result, "delivered")]).status_code == 403


def test_same_events_delivered_twice_change_nothing(client, signer, drain):
    """SendGrid retries: the same events in a new, validly signed request."""
    result = ResultFactory()
    events = [
        sg_event(result, "delivered"),
        sg_event(result, "open", useragent=BROWSER),
        sg_event(
            result, "click", useragent=BROWSER, url="https://shop.example.co.kr/", timestamp=int(time.time()) + 60
        ),
    ]
    assert post(client, signer, events).status_code == 200
    drain()
    result.refresh_from_db()
    snapshot = {f: getattr(result, f) for f in ("status", "opened_at", "clicked_at", "open_count", "click_count")}
    updated_at = result.updated_at

    # A retry is signed anew when it is sent (a later timestamp): the same signed payload is a replay.
    assert post(client, signer, events, timestamp=int(time.time()) + 1).status_code == 200
    drain()
    result.refresh_from_db()
    assert {f: getattr(result, f) for f in snapshot} == snapshot
    assert result.updated_at == updated_at  # not even touched
    assert TrackingEvent.objects.count() == 3


def test_a_batch_of_many_results_is_applied(client, signer, drain):
    results = ResultFactory.create_batch(50)
    events = [sg_event(r, "delivered") for r in results] + [
        sg_event(r, "open", useragent=BROWSER) for r in results[:20]
    ]
    response = post(client, signer, [*events, {"event": "processed", "email": "x@y.kr", "timestamp": 1}])
    assert response.json() == {"received": 70, "ignored": 1}
    drain()
    assert CampaignLeadResult.objects.filter(delivered_at__isnull=False).count() == 50
    assert CampaignLeadResult.objects.filter(status=Status.OPENED).count() == 20


def test_result_found_by_message_id_when_custom_args_are_missing(client, signer, drain):
    result = ResultFactory()
    event = sg_event(result, "open", useragent=BROWSER)
    del event["result_id"]
    post(client, signer, [event])
    drain()
    assert TrackingEvent.objects.get().result_id == result.id
    result.refresh_from_db()
    assert result.status == Status.OPENED


def test_without_custom_args_the_recipient_picks_the_result_among_one_requests_rows(client, signer, drain):
    # One SendGrid request sends up to 1,000 personalizations under a single X-Message-Id.
    first, second = ResultFactory(provider_message_id="batch0001"), ResultFactory(provider_message_id="batch0001")
    event = sg_event(second, "open", useragent=BROWSER)
    del event["result_id"]
    post(client, signer, [event])
    drain()
    assert TrackingEvent.objects.get().result_id == second.id
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Status.SENT, Status.OPENED)


def test_sg_machine_open_is_flagged_not_counted(client, signer, drain):
    result = ResultFactory()
    post(client, signer, [sg_event(result, "open", useragent=BROWSER, sg_machine_open=True)])
    drain()
    event = TrackingEvent.objects.get()
    assert event.is_machine and event.machine_reason == "provider_machine_open"
    result.refresh_from_db()
    assert result.opened_at is None


EFFECTS = [
    # (event, extra, result status, timestamp set, suppression reason)
    ("delivered", {}, Status.SENT, "delivered_at", None),
    ("open", {"useragent": BROWSER}, Status.OPENED, "opened_at", None),
    ("click", {"useragent": BROWSER, "url": "https://shop.example.co.kr/"}, Status.CLICKED, "clicked_at", None),
    ("bounce", {"type": "bounce", "reason": "550 5.1.1 user unknown"}, Status.BOUNCED, "bounced_at", "bounced"),
    ("bounce", {"type": "blocked", "reason": "421 greylisted"}, Status.BOUNCED, "bounced_at", None),
    ("dropped", {"reason": "Bounced Address"}, Status.FAILED, None, "bounced"),
    ("deferred", {"response": "421 try again later"}, Status.SENT, None, None),
    ("spamreport", {}, Status.SENT, "complained_at", "complained"),
    ("unsubscribe", {}, Status.SENT, "unsubscribed_at", "unsubscribed"),
    ("group_unsubscribe", {"asm_group_id": 7}, Status.SENT, "unsubscribed_at", "unsubscribed"),
]


@pytest.mark.parametrize(("name", "extra", "status", "stamp", "suppressed"), EFFECTS)
def test_each_event_type_has_its_effect(client, signer, drain, name, extra, status, stamp, suppressed):
    result = ResultFactory()
    post(client, signer, [sg_event(result, name, **extra)])
    drain()
    result.refresh_from_db()
    assert result.status == status
    if stamp:
        assert getattr(result, stamp) is not None
    suppression = SuppressedAddress.objects.filter(email=result.email).first()
    assert (suppression.reason if suppression else None) == suppressed
    assert TrackingEvent.objects.get().raw["event"] == name


def test_raw_payload_with_an_integer_beyond_64_bits_is_queued_and_stored_whole(client, signer, drain):
    """The queue writes events with orjson, which refuses integers beyond 64 bits; a provider's custom
    argument can be one. The event is still accepted and stored with the number as it came."""
    result = ResultFactory()
    big = 2**64 + 7
    response = post(client, signer, [sg_event(result, "delivered", order_no=big)])
    assert response.status_code == 200
    drain()
    assert TrackingEvent.objects.get(result=result).raw["order_no"] == big
