"""Recording events publishes them, and the campaign's fresh counters, on the owner's channel."""

import json

import pytest
import redis
from django.conf import settings

from apps.tracking.realtime import user_channel
from apps.tracking.services import events_ingest, new_event

from .factories import ResultFactory

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"


def _messages(pubsub) -> list[dict]:
    received = []
    while (message := pubsub.get_message(timeout=1.0)) is not None:
        if message["type"] == "message":
            received.append(json.loads(message["data"]))
    return received


def test_new_event_and_counters_reach_the_owner_only(django_capture_on_commit_callbacks, other_user):
    result = ResultFactory()
    client = redis.Redis.from_url(settings.TRACKING_REDIS_URL)
    owner, stranger = client.pubsub(), client.pubsub()
    owner.subscribe(user_channel(result.campaign.user_id))
    stranger.subscribe(user_channel(other_user.id))
    owner.get_message(timeout=1.0), stranger.get_message(timeout=1.0)  # subscribe confirmations

    with django_capture_on_commit_callbacks(execute=True):
        events_ingest(events=[new_event(kind="open", source="pixel", result_id=result.id, user_agent=BROWSER)])

    event, counters = _messages(owner)
    assert event["type"] == "event"
    assert event["event"]["kind"] == "open" and event["event"]["result"] == str(result.id)
    assert counters == {
        "type": "counters",
        "campaign": str(result.campaign_id),
        "totals": {**counters["totals"], "opened": 1, "opens": 1, "open_rate": 1.0},
    }
    assert _messages(stranger) == []
    owner.close(), stranger.close(), client.close()


def test_nothing_is_published_before_the_transaction_commits(django_capture_on_commit_callbacks):
    result = ResultFactory()
    client = redis.Redis.from_url(settings.TRACKING_REDIS_URL)
    pubsub = client.pubsub()
    pubsub.subscribe(user_channel(result.campaign.user_id))
    pubsub.get_message(timeout=1.0)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        events_ingest(events=[new_event(kind="open", source="pixel", result_id=result.id, user_agent=BROWSER)])
    assert len(callbacks) == 1
    assert _messages(pubsub) == []
    pubsub.close(), client.close()
