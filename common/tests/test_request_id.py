"""Every response carries X-Request-ID: the proxy's when it sends a sane one, otherwise a new one."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_the_proxys_request_id_is_echoed(api_client):
    response = api_client.get("/api/health/", HTTP_X_REQUEST_ID="9f1c2e7a-0b3d-4c55-8e21-5d6f7a8b9c0d")
    assert response["X-Request-ID"] == "9f1c2e7a-0b3d-4c55-8e21-5d6f7a8b9c0d"


def test_a_request_without_one_gets_a_new_id_each_time(api_client):
    first = api_client.get("/api/products/")["X-Request-ID"]
    second = api_client.get("/api/products/")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and re.fullmatch(r"[0-9a-f]{32}", second)
    assert first != second


@pytest.mark.parametrize("sent", ["evil\nERROR forged log line", "x" * 201, "<script>"])
def test_a_malformed_id_is_replaced_not_logged(api_client, sent):
    response = api_client.get("/api/products/", HTTP_X_REQUEST_ID=sent)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_the_spa_may_read_the_request_id_and_retry_after_across_origins(api_client):
    response = api_client.get("/api/products/", HTTP_ORIGIN="http://localhost:3000")
    exposed = {name.strip().lower() for name in response["Access-Control-Expose-Headers"].split(",")}
    assert {"x-request-id", "retry-after"} <= exposed
