"""The batch writer: a real Celery worker drains the queue; crashes and broken events lose nothing."""

import json
import time

import pytest
from django.conf import settings

from apps.campaigns.tracking import result_token
from apps.tracking.connections import tracking_redis
from apps.tracking.models import TrackingEvent
from apps.tracking.services import DEAD_SUFFIX, PROCESSING_SUFFIX, new_event
from apps.tracking.tasks import ingest_tracking_events

from .factories import ResultFactory

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36"


@pytest.mark.worker
def test_worker_drains_queued_events_into_the_database(client, celery_worker_factory, queued):
    results = ResultFactory.create_batch(3)
    for result in results:
        client.get(f"/api/t/o/{result_token(result.id)}/", HTTP_USER_AGENT=BROWSER)
    assert queued() == 3
    celery_worker_factory(queues="tracking")
    ingest_tracking_events.delay()
    deadline = time.monotonic() + 30
    while TrackingEvent.objects.count() < 3 and time.monotonic() < deadline:
        time.sleep(0.1)  # waiting for another process, not for time to pass
    assert TrackingEvent.objects.count() == 3
    assert queued() == 0


@pytest.mark.django_db
def test_batch_left_by_a_crashed_drain_is_written_by_the_next(drain):
    result = ResultFactory()
    event = new_event(kind="open", source="pixel", result_id=result.id, user_agent=BROWSER)
    # A drain moved the event to its processing list and died before committing.
    tracking_redis().rpush(settings.TRACKING_QUEUE_KEY + PROCESSING_SUFFIX, json.dumps(event))
    stats = drain()
    assert stats.events == 1
    assert TrackingEvent.objects.get().event_key == event["key"]
    assert tracking_redis().llen(settings.TRACKING_QUEUE_KEY + PROCESSING_SUFFIX) == 0


@pytest.mark.django_db
def test_drained_twice_is_stored_once(drain):
    result = ResultFactory()
    event = json.dumps(new_event(kind="open", source="pixel", result_id=result.id, user_agent=BROWSER))
    tracking_redis().rpush(settings.TRACKING_QUEUE_KEY, event, event)
    drain()
    tracking_redis().rpush(settings.TRACKING_QUEUE_KEY, event)
    drain()
    assert TrackingEvent.objects.count() == 1
    result.refresh_from_db()
    assert result.open_count == 1


@pytest.mark.django_db
def test_a_broken_event_goes_to_the_dead_list_and_the_rest_are_stored(drain):
    results = ResultFactory.create_batch(3)
    good = [new_event(kind="open", source="pixel", result_id=r.id, user_agent=BROWSER) for r in results]
    broken = {**good[0], "key": "pixel:broken", "at": "not a time"}
    tracking_redis().rpush(settings.TRACKING_QUEUE_KEY, *[json.dumps(e) for e in [good[0], broken, *good[1:]]])
    stats = drain()
    assert (stats.events, stats.dead) == (4, 1)
    assert TrackingEvent.objects.count() == 3
    dead = tracking_redis().lrange(settings.TRACKING_QUEUE_KEY + DEAD_SUFFIX, 0, -1)
    assert [json.loads(d)["key"] for d in dead] == ["pixel:broken"]


@pytest.mark.django_db
def test_event_for_a_deleted_result_is_still_kept(drain):
    result = ResultFactory()
    event = new_event(kind="open", source="pixel", result_id=result.id, user_agent=BROWSER)
    result.delete()
    tracking_redis().rpush(settings.TRACKING_QUEUE_KEY, json.dumps(event))
    drain()
    assert TrackingEvent.objects.get().result_id is None


@pytest.mark.django_db
def test_requeued_dead_events_are_written_once_fixed(drain):
    from django.core.management import call_command

    result = ResultFactory()
    event = new_event(kind="open", source="pixel", result_id=result.id, user_agent=BROWSER)
    tracking_redis().rpush(settings.TRACKING_QUEUE_KEY + DEAD_SUFFIX, json.dumps(event))
    call_command("tracking_requeue_dead")
    drain()
    assert TrackingEvent.objects.get().event_key == event["key"]
    assert tracking_redis().llen(settings.TRACKING_QUEUE_KEY + DEAD_SUFFIX) == 0
