import pytest
from django.conf import settings

from apps.tracking import services
from apps.tracking.connections import tracking_redis
from apps.tracking.services import DEAD_SUFFIX, PROCESSING_SUFFIX, tracking_queue_drain


@pytest.fixture(autouse=True)
def _empty_tracking_queue():
    """Each test starts with an empty event queue and Redis considered up."""
    key = settings.TRACKING_QUEUE_KEY
    keys = [key, key + PROCESSING_SUFFIX, key + DEAD_SUFFIX, key + ":lock"]
    tracking_redis().delete(*keys)
    services._down_until.clear()
    yield
    tracking_redis().delete(*keys)
    services._down_until.clear()


@pytest.fixture
def drain():
    """Run the batch writer now (what the ingest_tracking_events task does)."""
    return tracking_queue_drain


@pytest.fixture
def queued():
    def count() -> int:
        return tracking_redis().llen(settings.TRACKING_QUEUE_KEY)

    return count
