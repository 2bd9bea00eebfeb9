import contextlib
import socket

import pytest
from django.conf import settings
from django.db import connections

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


@pytest.fixture
def postgres_outage(transactional_db):
    """``with postgres_outage(): ...`` — PostgreSQL is down, back afterwards. New connections are
    refused, as when the server is stopped (a loopback port nothing listens on); with ``hanging=True``
    they get no answer at all, as from a host that is down (a port whose listen queue is full).

    Tests using it see committed data only (transactional_db).
    """

    @contextlib.contextmanager
    def outage(*, hanging: bool = False):
        connection = connections["default"]
        saved = connection.settings_dict["HOST"], connection.settings_dict["PORT"]
        with contextlib.ExitStack() as stack:
            server = stack.enter_context(socket.socket())
            server.bind(("127.0.0.1", 0))
            port = server.getsockname()[1]
            if hanging:
                server.listen(0)
                for _ in range(3):  # fill the queue: later connects are never answered
                    filler = stack.enter_context(socket.socket())
                    filler.setblocking(False)
                    with contextlib.suppress(BlockingIOError):
                        filler.connect(("127.0.0.1", port))
            else:
                server.close()  # free a moment ago: nothing listens there
            connection.close()
            connection.settings_dict["HOST"], connection.settings_dict["PORT"] = "127.0.0.1", str(port)
            try:
                yield
            finally:
                connection.close()
                connection.settings_dict["HOST"], connection.settings_dict["PORT"] = saved

    return outage
