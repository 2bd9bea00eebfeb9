"""Every task waits out a database outage (celery_app.py's task base class): a task queued while
PostgreSQL refuses connections runs once it is back, instead of failing."""

import time

import pytest

from common.tasks import database_ping
from common.tests.database_outage import database_down, database_up


@pytest.mark.worker
def test_a_task_meeting_a_database_outage_retries_until_it_is_back(celery_worker_factory):
    celery_worker_factory(queues="default", extra_env={"TASK_RETRY_BASE_SECONDS": "1", "TASK_RETRY_MAX_SECONDS": "2"})
    before = database_ping.delay().get(timeout=30)

    database_down()
    try:
        result = database_ping.delay()
        time.sleep(3)  # the outage itself
        assert not result.ready(), "the task should still be waiting for the database"
    finally:
        database_up()

    after = result.get(timeout=30)
    assert after != before  # a new connection, opened once the database was back
