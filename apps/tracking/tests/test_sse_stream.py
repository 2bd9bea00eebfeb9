"""The live stream: a published event reaches the browser; the stream ends when the browser leaves."""

import asyncio
import json
import uuid
from types import SimpleNamespace

import pytest
import redis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections
from django.test import AsyncClient
from rest_framework_simplejwt.tokens import RefreshToken

from apps.tracking.realtime import sse_stream, stream_token_issue, user_channel
from conftest import client_for
from salesone.asgi import application


def _publish(user_id, message: dict) -> int:
    client = redis.Redis.from_url(settings.TRACKING_REDIS_URL)
    try:
        return client.publish(user_channel(user_id), json.dumps(message))
    finally:
        client.close()


def test_stream_generator_delivers_a_published_event():
    user_id = uuid.uuid4()

    async def scenario():
        stream = sse_stream(user_id, heartbeat=5, max_seconds=10)
        opening = await anext(stream)
        assert opening.startswith("retry:")
        # Subscribed before the opening frame was yielded, so this message cannot be missed.
        assert await asyncio.to_thread(_publish, user_id, {"type": "event", "event": {"kind": "open"}}) == 1
        frame = await asyncio.wait_for(anext(stream), timeout=5)
        await stream.aclose()
        return frame

    frame = asyncio.run(scenario())
    assert frame == 'event: event\ndata: {"type": "event", "event": {"kind": "open"}}\n\n'


def test_quiet_stream_sends_heartbeat_comments():
    async def scenario():
        stream = sse_stream(uuid.uuid4(), heartbeat=0.05, max_seconds=10)
        await anext(stream)
        frame = await asyncio.wait_for(anext(stream), timeout=5)
        await stream.aclose()
        return frame

    assert asyncio.run(scenario()) == ": heartbeat\n\n"


def _scope(path: str, query: str, headers=()) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [(b"host", b"testserver"), *headers],
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 50000),
    }


def test_asgi_stream_delivers_event_and_ends_on_disconnect(settings):
    """The real ASGI app: authenticated by a stream token, no thread held, cleaned up on disconnect."""
    settings.TRACKING_STREAM_HEARTBEAT_SECONDS = 5
    user = SimpleNamespace(pk=uuid.uuid4())
    token = stream_token_issue(user=user)

    async def scenario():
        sent: asyncio.Queue = asyncio.Queue()
        disconnected = asyncio.Event()
        first = True

        async def receive():
            nonlocal first
            if first:
                first = False
                return {"type": "http.request", "body": b"", "more_body": False}
            await disconnected.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            await sent.put(message)

        app = asyncio.create_task(application(_scope("/api/tracking/stream/", f"token={token}"), receive, send))
        start = await asyncio.wait_for(sent.get(), timeout=10)
        assert start["status"] == 200
        assert (b"Content-Type", b"text/event-stream; charset=utf-8") in start["headers"]
        opening = await asyncio.wait_for(sent.get(), timeout=10)
        assert opening["body"].startswith(b"retry:")

        message = {"type": "counters", "campaign": "c1", "totals": {"opened": 3}}
        assert await asyncio.to_thread(_publish, user.pk, message) == 1
        frame = await asyncio.wait_for(sent.get(), timeout=10)
        assert frame["body"].decode() == f"event: counters\ndata: {json.dumps(message)}\n\n"

        disconnected.set()
        await asyncio.wait_for(app, timeout=10)  # the stream ended with the client
        # Nobody listens on the channel any more: the subscription was closed.
        return await asyncio.to_thread(_publish, user.pk, message)

    assert asyncio.run(scenario()) == 0


def test_stream_without_credentials_is_401():
    assert _asgi_get("/api/tracking/stream/").status_code == 401
    assert _asgi_get("/api/tracking/stream/?token=forged").status_code == 401


def test_stream_with_expired_token_is_401(settings):
    token = stream_token_issue(user=SimpleNamespace(pk=uuid.uuid4()))
    settings.TRACKING_STREAM_TOKEN_MAX_AGE = -1
    assert _asgi_get(f"/api/tracking/stream/?token={token}").status_code == 401


def _asgi_get(url: str, **headers):
    """GET through the ASGI handler (the stream server); the stream is closed once it answered."""

    async def scenario():
        response = await AsyncClient().get(url, headers=headers)
        if response.streaming:
            await response.streaming_content.aclose()
        response.close()
        await sync_to_async(connections.close_all)()  # the handler's thread keeps its own connection
        return response

    return asyncio.run(scenario())


@pytest.mark.django_db(transaction=True)  # the ASGI handler reads the user from another thread
def test_jwt_header_opens_the_stream(user):
    response = _asgi_get("/api/tracking/stream/", authorization=f"Bearer {RefreshToken.for_user(user).access_token}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/event-stream")


@pytest.mark.django_db(transaction=True)
def test_stream_token_endpoint_needs_a_user_and_gives_a_working_url(client, user):
    assert client.post("/api/tracking/stream/token/").status_code == 401
    body = client_for(user).post("/api/tracking/stream/token/").json()
    assert body["expires_in"] == settings.TRACKING_STREAM_TOKEN_MAX_AGE
    assert _asgi_get(body["url"]).status_code == 200


@pytest.mark.django_db
def test_stream_url_points_at_the_stream_server_when_one_is_configured(auth_client, settings):
    settings.TRACKING_STREAM_BASE_URL = "http://127.0.0.1:8001/"
    url = auth_client.post("/api/tracking/stream/token/").json()["url"]
    assert url.startswith("http://127.0.0.1:8001/api/tracking/stream/?token=")
