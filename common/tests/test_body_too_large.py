"""A body over DATA_UPLOAD_MAX_MEMORY_SIZE answers a JSON 413 that says the limit (not Django's HTML
page), with DEBUG on or off, and stores nothing; file uploads keep their own limit (CLIENT_FILE_MAX_BYTES)."""

import json

import pytest
from django.test import Client, override_settings

from apps.products.models import Product

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize("path", ["/api/auth/login/", "/api/products/"])
def test_six_megabyte_body_is_a_json_413_with_the_limit(client, auth_client, debug, path):
    body = json.dumps({"email": "kim@example.kr", "name": "가" * 2_000_000, "price": 1})  # 6 MB in UTF-8
    with override_settings(DEBUG=debug):
        token = auth_client._credentials["HTTP_AUTHORIZATION"]
        response = client.post(
            path, body, content_type="application/json", HTTP_AUTHORIZATION=token, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "The request body is larger than the 2,621,440 bytes allowed (DATA_UPLOAD_MAX_MEMORY_SIZE).",
        "code": "payload_too_large",
        "fields": {},
    }
    assert not Product.objects.exists()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_the_limit_comes_from_settings(auth_client):
    response = auth_client.post("/api/products/", {"name": "x" * 2000, "price": 1}, format="json")
    # In the language asked for (Korean by default): the limit is there either way.
    assert response.status_code == 413
    assert "1,000" in response.json()["detail"]
    assert auth_client.post("/api/products/", {"name": "x" * 100, "price": 1}, format="json").status_code == 201


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_form_body_over_the_limit_is_a_json_413(client, auth_client):
    response = client.post(
        "/api/products/",
        "name=" + "x" * 2000,
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=auth_client._credentials["HTTP_AUTHORIZATION"],
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
