"""METRICS_WORKER_PORT: a Celery worker host answers Prometheus itself, behind the same guard as /metrics."""

import socket
import urllib.error
import urllib.request

import pytest

pytestmark = [pytest.mark.worker]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_worker_serves_its_metrics_on_its_own_port(celery_worker_factory, tmp_path):
    port = _free_port()
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    celery_worker_factory(
        queues="default",
        extra_env={"METRICS_WORKER_PORT": str(port), "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)},
    )
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        body = response.read().decode()
    assert response.status == 200
    assert 'salesone_celery_queue_depth{queue="campaigns"}' in body
    refused = urllib.request.Request(f"http://127.0.0.1:{port}/metrics", headers={"Authorization": "Bearer wrong"})
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(refused, timeout=10)
    assert answer.value.code == 403
