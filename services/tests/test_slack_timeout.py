"""Slack calls are bounded by SLACK_TIMEOUT (fractions of a second kept): a Slack that never answers is
a transient SlackError after that long, and a slow one within it still works."""

import json
import socket
import threading
import time

import pytest

from services.slack.client import SlackError, post_message


@pytest.fixture
def slack(settings):
    """A fake Slack on 127.0.0.1 that reads the request, waits ``delay`` seconds (None: forever), answers ok."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    state = {"delay": 0.0, "open": []}

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            state["open"].append(conn)
            conn.recv(65536)
            if state["delay"] is None:
                continue
            time.sleep(state["delay"])
            body = json.dumps({"ok": True, "channel": "C1", "ts": "1.1"}).encode()
            head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            conn.sendall(head.encode() + body)

    threading.Thread(target=serve, daemon=True).start()
    settings.SLACK_BOT_TOKEN = "xoxb-test"
    settings.SLACK_API_BASE_URL = f"http://127.0.0.1:{server.getsockname()[1]}/api/"
    yield state
    server.close()
    for conn in state["open"]:
        conn.close()


def test_slack_that_never_answers_is_a_transient_error_after_the_timeout(settings, slack):
    settings.SLACK_TIMEOUT = 0.5
    slack["delay"] = None
    started = time.monotonic()
    with pytest.raises(SlackError) as error:
        post_message(channel="C1", text="안녕하세요")
    assert error.value.transient
    assert 0.4 < time.monotonic() - started < 5


def test_slack_answering_within_a_fractional_timeout_succeeds(settings, slack):
    settings.SLACK_TIMEOUT = 0.8
    slack["delay"] = 0.2
    assert post_message(channel="C1", text="안녕하세요") == {"channel": "C1", "ts": "1.1"}
