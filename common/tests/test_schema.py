import pytest
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


def test_schema_is_valid_openapi_3(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    validate(schema)
    assert "/api/auth/login/" in schema["paths"]
    assert "/api/products/{id}/" in schema["paths"]
    assert "jwtAuth" in schema["components"]["securitySchemes"]
    # Request bodies are described, not left empty.
    assert "requestBody" in schema["paths"]["/api/products/"]["post"]


def test_docs_page_is_served(api_client):
    assert api_client.get("/api/docs/").status_code == 200
