"""A PostgreSQL host that does not answer at all costs a webhook DB_CONNECT_TIMEOUT seconds, not the
kernel's two minutes: the events are then kept in Redis and the provider gets its 200."""

import time
import uuid

from django.db import connection

from apps.tracking.models import TrackingEvent
from testing.webhook_signers import SendGridSigner, sendgrid_body

from .factories import ResultFactory


def test_webhook_is_accepted_after_the_connect_timeout(client, settings, postgres_outage, drain):
    signer = SendGridSigner()
    settings.SENDGRID_WEBHOOK_PUBLIC_KEY = signer.public_key
    result = ResultFactory()
    body = sendgrid_body([{"email": result.email, "timestamp": int(time.time()), "event": "delivered",
                           "sg_event_id": uuid.uuid4().hex, "result_id": str(result.id)}])  # fmt: skip
    connect_timeout = connection.settings_dict["OPTIONS"]["connect_timeout"]  # DB_CONNECT_TIMEOUT
    with postgres_outage(hanging=True):
        started = time.monotonic()
        response = client.post(
            "/api/webhooks/sendgrid/", data=body, content_type="application/json", **signer.sign(body)
        )
        elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert elapsed < connect_timeout + 5
    drain()
    assert TrackingEvent.objects.filter(result=result, kind="delivered").count() == 1
