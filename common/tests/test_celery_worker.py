import pytest
from django.db import connection

from common.tasks import database_ping, ping


@pytest.mark.worker
def test_task_runs_in_a_real_worker_process(celery_worker_factory):
    celery_worker_factory(queues="default")
    assert ping.delay("넥스파").get(timeout=30) == "넥스파"


@pytest.mark.worker
def test_worker_reuses_its_connection_and_replaces_a_dead_one(celery_worker_factory):
    celery_worker_factory(queues="default")
    first = database_ping.delay().get(timeout=30)
    assert database_ping.delay().get(timeout=30) == first  # no new connection per task

    with connection.cursor() as cursor:  # as if PostgreSQL had restarted under the worker
        cursor.execute("SELECT pg_terminate_backend(%s)", [first])
    replacement = database_ping.delay().get(timeout=30)
    assert replacement != first
