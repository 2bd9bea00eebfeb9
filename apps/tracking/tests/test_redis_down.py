"""If Redis is down, events are written straight to the database: none is lost."""

import time
import uuid

import pytest

from apps.campaigns.models import CampaignLeadResult
from apps.campaigns.tracking import result_token
from apps.tracking.models import TrackingEvent
from testing.webhook_signers import SendGridSigner, sendgrid_body

from .factories import ResultFactory

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"


@pytest.fixture
def redis_down(settings):
    settings.TRACKING_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there


def test_open_while_redis_is_down_is_stored_at_once(client, redis_down):
    result = ResultFactory()
    response = client.get(f"/api/t/o/{result_token(result.id)}/", HTTP_USER_AGENT=BROWSER)
    assert response.status_code == 200
    event = TrackingEvent.objects.get()
    assert event.kind == "open" and event.result_id == result.id
    result.refresh_from_db()
    assert result.status == CampaignLeadResult.Status.OPENED


def test_every_event_of_an_outage_is_stored(client, redis_down):
    """The first failure makes later requests skip Redis for a while; they are stored all the same."""
    results = ResultFactory.create_batch(5)
    for result in results:
        client.get(f"/api/t/o/{result_token(result.id)}/", HTTP_USER_AGENT=BROWSER)
        client.get(f"/api/t/o/{result_token(result.id)}/", HTTP_USER_AGENT=BROWSER)
    assert TrackingEvent.objects.count() == 10
    assert CampaignLeadResult.objects.filter(open_count=2).count() == 5


def test_webhook_batch_while_redis_is_down_is_stored(client, redis_down, settings):
    signer = SendGridSigner()
    settings.SENDGRID_WEBHOOK_PUBLIC_KEY = signer.public_key
    result = ResultFactory()
    events = [
        {"email": result.email, "timestamp": int(time.time()), "event": kind, "sg_event_id": uuid.uuid4().hex,
         "result_id": str(result.id), "useragent": BROWSER}
        for kind in ("delivered", "open")
    ]  # fmt: skip
    body = sendgrid_body(events)
    response = client.post("/api/webhooks/sendgrid/", data=body, content_type="application/json", **signer.sign(body))
    assert response.status_code == 200
    assert TrackingEvent.objects.count() == 2
