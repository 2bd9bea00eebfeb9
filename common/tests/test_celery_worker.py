import pytest

from common.tasks import ping


@pytest.mark.worker
def test_task_runs_in_a_real_worker_process(celery_worker_factory):
    celery_worker_factory(queues="default")
    assert ping.delay("넥스파").get(timeout=30) == "넥스파"
