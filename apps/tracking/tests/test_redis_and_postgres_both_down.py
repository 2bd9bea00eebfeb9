"""With Redis and PostgreSQL both down nothing can keep an event: the endpoints never answer a silent 2xx.

Webhooks answer 503 (the provider delivers again later); the pixel answers 503; a click still takes the
person to their link, and the click is written whole to the error log.
"""

import json
import logging
import time
import uuid

import pytest

from apps.campaigns.tracking import click_url, open_pixel_url
from apps.tracking.models import TrackingEvent
from testing.webhook_signers import MailgunSigner, SendGridSigner, sendgrid_body

from .factories import ResultFactory

TARGET = "https://shop.example.co.kr/item?id=9"


@pytest.fixture
def everything_down(settings, postgres_outage):
    settings.TRACKING_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    with postgres_outage():
        yield


def _path(url: str) -> str:
    return url[url.index("/api/") :]


def test_webhooks_answer_503_so_the_provider_retries(client, settings, everything_down):
    sendgrid, mailgun = SendGridSigner(), MailgunSigner()
    settings.SENDGRID_WEBHOOK_PUBLIC_KEY, settings.MAILGUN_WEBHOOK_SIGNING_KEY = sendgrid.public_key, mailgun.key
    result_id = str(uuid.uuid4())
    body = sendgrid_body([{"email": "a@b.kr", "timestamp": int(time.time()), "event": "delivered",
                           "sg_event_id": uuid.uuid4().hex, "result_id": result_id}])  # fmt: skip
    response = client.post("/api/webhooks/sendgrid/", data=body, content_type="application/json", **sendgrid.sign(body))
    assert response.status_code == 503
    assert response.json()["detail"] == "Tracking storage is unavailable; deliver again later."
    assert response["Retry-After"] == "60"

    event = {"id": "mg-9", "event": "delivered", "timestamp": time.time(), "recipient": "a@b.kr"}
    mg_body = json.dumps({"signature": mailgun.signature(), "event-data": event})
    assert client.post("/api/webhooks/mailgun/", data=mg_body, content_type="application/json").status_code == 503


def test_pixel_is_503_and_click_still_redirects_with_the_click_logged(client, everything_down, caplog):
    result_id = uuid.uuid4()
    pixel = client.get(_path(open_pixel_url(result_id)))
    assert pixel.status_code == 503 and pixel["Content-Type"] == "image/gif"

    with caplog.at_level(logging.ERROR, logger="apps.tracking.views"):
        click = client.get(_path(click_url(TARGET, result_id)))
    assert click.status_code == 302 and click["Location"] == TARGET
    (record,) = [r for r in caplog.records if "click not recorded" in r.getMessage()]
    logged = json.loads(record.getMessage().split("): ", 1)[1])
    assert (logged["kind"], logged["result"], logged["url"]) == ("click", str(result_id), TARGET)


def test_nothing_half_written_once_both_return(client, settings, postgres_outage, drain):
    """The refused post left no token behind: the provider's redelivery is accepted, not taken for a replay."""
    sendgrid = SendGridSigner()
    settings.SENDGRID_WEBHOOK_PUBLIC_KEY = sendgrid.public_key
    result = ResultFactory()
    body = sendgrid_body([{"email": result.email, "timestamp": int(time.time()), "event": "delivered",
                           "sg_event_id": uuid.uuid4().hex, "result_id": str(result.id)}])  # fmt: skip
    headers = sendgrid.sign(body)
    redis_url = settings.TRACKING_REDIS_URL
    settings.TRACKING_REDIS_URL = "redis://127.0.0.1:1/0"
    with postgres_outage():
        assert (
            client.post("/api/webhooks/sendgrid/", data=body, content_type="application/json", **headers).status_code
            == 503
        )
    settings.TRACKING_REDIS_URL = redis_url
    assert (
        client.post("/api/webhooks/sendgrid/", data=body, content_type="application/json", **headers).status_code == 200
    )
    drain()
    assert TrackingEvent.objects.filter(result=result).count() == 1
