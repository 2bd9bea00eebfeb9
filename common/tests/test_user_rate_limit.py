"""A signed-in user past the API's rate (THROTTLE_USER) gets a JSON 429 with Retry-After, counted per
user in Redis, and is served again once the oldest request leaves the window (common/throttles.py)."""

import threading

import pytest
import time_machine
from django.db import connection
from rest_framework.test import APIClient

from apps.accounts.tests.factories import UserFactory
from common.throttles import UserRateThrottle

pytestmark = pytest.mark.django_db(transaction=True)
LEADS = "/api/leads/"


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_requests_past_the_rate_get_429_until_the_window_moves(monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "rate", "3/min", raising=False)
    user, other = UserFactory(), UserFactory()
    with time_machine.travel("2026-03-02 10:00:00+00:00", tick=False) as clock:
        client = _client(user)
        assert [client.get(LEADS).status_code for _ in range(3)] == [200, 200, 200]
        clock.shift(20)
        refused = client.get(LEADS)
        assert refused.status_code == 429 and refused.json()["code"] == "throttled"
        assert int(refused["Retry-After"]) == 40  # the first request leaves the minute in 40 s
        assert _client(other).get(LEADS).status_code == 200  # counted per user
        clock.shift(40)
        assert client.get(LEADS).status_code == 200


def test_concurrent_requests_never_pass_more_than_the_rate(monkeypatch):
    # One atomic Redis call per request: DRF's read-then-write let two requests read the same history.
    monkeypatch.setattr(UserRateThrottle, "rate", "5/min", raising=False)
    user = UserFactory()
    statuses: list[int] = []

    def hit():
        try:
            statuses.append(_client(user).get(LEADS).status_code)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=hit) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 5 + [429] * 7
