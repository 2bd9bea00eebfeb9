import pytest
from django.conf import settings
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_health_ok_when_postgres_redis_and_broker_answer(api_client):
    response = api_client.get("/api/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["checks"] == {"database": "ok", "redis": "ok", "tracking_redis": "ok", "broker": "ok"}
    # No worker runs in this test: every queue is reported without a consumer, which is not a 503.
    assert body["status"] == "degraded"
    assert body["queues_without_consumer"] == settings.CELERY_TASK_QUEUES_ALL


def test_health_503_names_redis_when_it_is_unreachable(api_client):
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        response = api_client.get("/api/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["redis"]
    assert body["checks"]["database"] == "ok"


def test_health_503_names_the_tracking_redis_when_it_is_unreachable(api_client):
    with override_settings(TRACKING_REDIS_URL="redis://127.0.0.1:1/0"):  # nothing listens there
        response = api_client.get("/api/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["down"] == ["tracking_redis"]
    assert body["checks"]["tracking_redis"] == "error: ConnectionError"


def test_health_503_names_the_broker_and_skips_the_queues_when_it_is_unreachable(api_client):
    with override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0"):
        response = api_client.get("/api/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["broker"]
    assert body["queues"] is None
