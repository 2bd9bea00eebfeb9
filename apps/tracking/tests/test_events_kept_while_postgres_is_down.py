"""Opens, clicks and webhook events that arrive while PostgreSQL is down wait in the Redis queue and are
stored exactly once when it is back; the batch writer keeps (never drops) the batch it could not write."""

import json
import time
import uuid

import pytest
from django.conf import settings
from django.db import OperationalError

from apps.campaigns.models import CampaignLeadResult
from apps.campaigns.tracking import click_url, open_pixel_url
from apps.tracking.connections import tracking_redis
from apps.tracking.models import TrackingEvent
from apps.tracking.services import PROCESSING_SUFFIX
from testing.webhook_signers import MailgunSigner, SendGridSigner, sendgrid_body

from .factories import ResultFactory

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"
TARGET = "https://shop.example.co.kr/item?id=7"


def _path(url: str) -> str:
    return url[url.index("/api/") :]


def _waiting() -> int:
    client = tracking_redis()
    key = settings.TRACKING_QUEUE_KEY
    return client.llen(key) + client.llen(key + PROCESSING_SUFFIX)


@pytest.fixture
def signers(settings):
    sendgrid, mailgun = SendGridSigner(), MailgunSigner()
    settings.SENDGRID_WEBHOOK_PUBLIC_KEY = sendgrid.public_key
    settings.MAILGUN_WEBHOOK_SIGNING_KEY = mailgun.key
    return sendgrid, mailgun


def test_events_of_an_outage_are_stored_once_when_postgres_returns(client, signers, postgres_outage, drain):
    sendgrid, mailgun = signers
    result = ResultFactory()
    now = int(time.time())
    sg_events = [
        {"email": result.email, "timestamp": now, "event": kind, "sg_event_id": uuid.uuid4().hex,
         "result_id": str(result.id), "useragent": BROWSER}
        for kind in ("delivered", "open")
    ]  # fmt: skip
    sg_body = sendgrid_body(sg_events)
    sg_headers = sendgrid.sign(sg_body)
    mg_body = json.dumps(
        {
            "signature": mailgun.signature(),
            "event-data": {"id": "mg-1", "event": "clicked", "timestamp": now, "recipient": result.email,
                           "url": TARGET, "user-variables": {"result_id": str(result.id)},
                           "client-info": {"user-agent": BROWSER}},
        }
    )  # fmt: skip

    with postgres_outage():
        assert client.get(_path(open_pixel_url(result.id)), HTTP_USER_AGENT=BROWSER).status_code == 200
        response = client.get(_path(click_url(TARGET, result.id)), HTTP_USER_AGENT=BROWSER)
        assert response.status_code == 302 and response["Location"] == TARGET
        post = client.post("/api/webhooks/sendgrid/", data=sg_body, content_type="application/json", **sg_headers)
        assert post.status_code == 200 and post.json() == {"received": 2, "ignored": 0}
        assert client.post("/api/webhooks/mailgun/", data=mg_body, content_type="application/json").status_code == 200
        # Replay protection holds during the outage too (the token waits in Redis).
        again = client.post("/api/webhooks/sendgrid/", data=sg_body, content_type="application/json", **sg_headers)
        assert again.status_code == 403
        assert client.post("/api/webhooks/mailgun/", data=mg_body, content_type="application/json").status_code == 403

        # The batch writer runs and fails: the batch stays queued, nothing is declared dead.
        with pytest.raises(OperationalError):
            drain()
        assert _waiting() == 5
        assert tracking_redis().llen(settings.TRACKING_QUEUE_KEY + ":dead") == 0

    stats = drain()
    assert (stats.events, stats.dead) == (5, 0)
    assert _waiting() == 0
    assert sorted(TrackingEvent.objects.values_list("kind", flat=True)) == [
        "click", "click", "delivered", "open", "open"
    ]  # fmt: skip
    result.refresh_from_db()
    assert result.status == CampaignLeadResult.Status.CLICKED
    assert (result.open_count, result.click_count) == (2, 2)

    # The same webhooks delivered again (re-signed later) and a second drain store nothing more.
    sg_headers = sendgrid.sign(sg_body, timestamp=now + 1)
    assert (
        client.post("/api/webhooks/sendgrid/", data=sg_body, content_type="application/json", **sg_headers).status_code
        == 200
    )
    drain()
    assert TrackingEvent.objects.count() == 5
