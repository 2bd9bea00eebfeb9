"""A user has at most TRACKING_STREAM_MAX_PER_USER streams open; one more is a 429 until one closes."""

import asyncio
import json
import uuid
from types import SimpleNamespace

from apps.tracking.realtime import stream_token_issue
from salesone.asgi import application


def _scope(token: str) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/api/tracking/stream/",
        "raw_path": b"/api/tracking/stream/",
        "query_string": f"token={token}".encode(),
        "headers": [(b"host", b"testserver")],
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 50000),
    }


class Stream:
    """One browser tab's EventSource, through the real ASGI app."""

    def __init__(self, token: str):
        self.sent: asyncio.Queue = asyncio.Queue()
        self.gone = asyncio.Event()
        self._first = True
        self.task = asyncio.create_task(application(_scope(token), self._receive, self.sent.put))

    async def _receive(self):
        if self._first:
            self._first = False
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def status(self) -> int:
        return (await asyncio.wait_for(self.sent.get(), timeout=10))["status"]

    async def close(self):
        self.gone.set()
        await asyncio.wait_for(self.task, timeout=10)


def test_one_stream_over_the_cap_is_429_until_another_closes(settings):
    settings.TRACKING_STREAM_MAX_PER_USER = 2
    settings.TRACKING_STREAM_HEARTBEAT_SECONDS = 5
    token = stream_token_issue(user=SimpleNamespace(pk=uuid.uuid4()))
    other_user = stream_token_issue(user=SimpleNamespace(pk=uuid.uuid4()))

    async def scenario():
        first, second = Stream(token), Stream(token)
        assert [await first.status(), await second.status()] == [200, 200]
        third = Stream(token)
        assert await third.status() == 429
        body = await asyncio.wait_for(third.sent.get(), timeout=10)
        assert "사용자당 최대 2개" in json.loads(body["body"])["detail"]  # no Accept-Language: Korean
        await third.close()
        elsewhere = Stream(other_user)  # the cap is per user
        assert await elsewhere.status() == 200

        await first.close()  # a tab closed: its place is free again
        fourth = Stream(token)
        assert await fourth.status() == 200
        for stream in (second, elsewhere, fourth):
            await stream.close()

    asyncio.run(scenario())
