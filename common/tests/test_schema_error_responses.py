"""Every operation documents the errors it can answer, in the shape it answers them: a client generated
from the schema knows a 400's field messages, a 401, a 404 and a 429's Retry-After."""

import pytest

from apps.products.tests.factories import ProductFactory
from common.tests.schema_conformance import assert_conforms, live_schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_schema(api_client):
    return live_schema(api_client)


def test_validation_error_conforms(auth_client, api_schema):
    response = auth_client.post("/api/products/", {"name": "", "price": -1}, format="json")
    assert response.status_code == 400 and "price" in response.json()["fields"]
    assert_conforms(api_schema, "POST", "/api/products/", response)


def test_unparseable_body_conforms(auth_client, api_schema):
    response = auth_client.post("/api/products/", "{", content_type="application/json")
    assert response.status_code == 400
    assert_conforms(api_schema, "POST", "/api/products/", response)


def test_missing_token_conforms(api_client, api_schema):
    response = api_client.get("/api/products/")
    assert response.status_code == 401
    assert_conforms(api_schema, "GET", "/api/products/", response)


def test_someone_elses_object_conforms(other_client, user, api_schema):
    product = ProductFactory(created_by=user)
    response = other_client.delete(f"/api/products/{product.pk}/")
    assert response.status_code in {403, 404}
    assert_conforms(api_schema, "DELETE", "/api/products/{id}/", response)


def test_page_past_the_end_conforms(auth_client, api_schema):
    response = auth_client.get("/api/products/?page=99")
    assert response.status_code == 404
    assert_conforms(api_schema, "GET", "/api/products/", response)


def test_wrong_password_and_throttled_login_conform(api_client, user, api_schema):
    for attempt in range(6):
        response = api_client.post(
            "/api/auth/login/", {"email": user.email, "password": "guess"}, REMOTE_ADDR=f"10.0.0.{attempt}"
        )
        assert_conforms(api_schema, "POST", "/api/auth/login/", response)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    login = api_schema.raw_schema["paths"]["/api/auth/login/"]["post"]["responses"]
    throttled = api_schema.raw_schema["components"]["responses"][login["429"]["$ref"].rsplit("/", 1)[1]]
    assert "Retry-After" in throttled["headers"]


def test_a_route_without_a_token_documents_no_401(api_schema):
    hook = api_schema.raw_schema["paths"]["/api/workflows/{workflow_id}/hooks/{secret}/"]["post"]["responses"]
    assert "401" not in hook and "429" not in hook
    assert {"400", "404", "413", "415"} <= set(hook)
