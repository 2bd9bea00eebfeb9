import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_health_ok_when_postgres_and_redis_answer(api_client):
    response = api_client.get("/api/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


def test_health_503_names_redis_when_it_is_unreachable(api_client):
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        response = api_client.get("/api/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["redis"]
    assert body["checks"]["database"] == "ok"
