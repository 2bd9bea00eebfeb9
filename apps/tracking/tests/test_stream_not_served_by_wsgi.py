"""The API (WSGI) server never holds a thread on an event stream: it answers at once with the stream URL."""

import time
import uuid
from types import SimpleNamespace

from apps.tracking.realtime import stream_token_issue


def test_wsgi_stream_request_is_404_naming_the_stream_server(client, settings):
    settings.TRACKING_STREAM_BASE_URL = "http://127.0.0.1:8001"
    token = stream_token_issue(user=SimpleNamespace(pk=uuid.uuid4()))
    started = time.monotonic()
    response = client.get(f"/api/tracking/stream/?token={token}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert not response.streaming
    assert response.json() == {
        "detail": "The event stream is served by the stream server, not this one.",
        "code": "stream_elsewhere",
        "fields": {},
        "url": "http://127.0.0.1:8001/api/tracking/stream/",
    }
    assert time.monotonic() - started < 5  # not after TRACKING_STREAM_MAX_SECONDS
