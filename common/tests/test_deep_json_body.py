"""A JSON body nested thousands of levels deep is a 400 naming the limit (JSON_MAX_DEPTH) on every JSON
endpoint — login, the CRM, a workflow's webhook trigger — never a RecursionError, and nothing is stored."""

import pytest
from django.test import Client, override_settings

from apps.products.models import Product
from apps.workflows.models import WorkflowExecution
from apps.workflows.tests.factories import WorkflowFactory, node
from common.parsers import JSONTooDeep, loads_bounded

pytestmark = pytest.mark.django_db

DEEP = "[" * 10_000 + "]" * 10_000


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


def nested(depth: int, leaf: str = '"x"') -> str:
    return '{"a":' * depth + leaf + "}" * depth


@pytest.mark.parametrize("path", ["/api/auth/login/", "/api/auth/password-reset/", "/api/products/"])
def test_deep_body_is_a_400_naming_the_limit(client, auth_client, path):
    token = auth_client._credentials["HTTP_AUTHORIZATION"]
    response = client.post(
        path, DEEP, content_type="application/json", HTTP_AUTHORIZATION=token, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "nested more than 64 levels" in response.json()["detail"]
    assert not Product.objects.exists()


def test_deep_body_to_a_workflow_hook_is_a_400(client, user):
    workflow = WorkflowFactory(user=user, nodes=[node("hook", "webhook_trigger")], edges=[])
    response = client.post(
        f"/api/workflows/{workflow.pk}/hooks/{workflow.webhook_secret}/",
        DEEP,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "nested more than 64 levels" in response.json()["detail"]
    assert not WorkflowExecution.objects.exists()


@override_settings(JSON_MAX_DEPTH=3)
def test_the_limit_comes_from_settings(auth_client):
    body = {"name": "복합기 A3", "price": 1000, "extra": {"a": {"b": 1}}}
    assert auth_client.post("/api/products/", body, format="json").status_code == 201
    body["extra"] = {"a": {"b": {"c": 1}}}
    response = auth_client.post("/api/products/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "nested more than 3 levels" in response.json()["detail"]


def test_loads_bounded_counts_structure_not_brackets_inside_strings():
    assert loads_bounded(nested(64)) is not None
    assert loads_bounded('{"text": "' + "[{" * 5000 + '\\"]"}') == {"text": "[{" * 5000 + '"]'}
    with pytest.raises(JSONTooDeep):
        loads_bounded(nested(65))
    with pytest.raises(JSONTooDeep):
        loads_bounded(b"[" * 100_000)  # unbalanced and deep: refused before json.loads recurses
    with pytest.raises(ValueError):
        loads_bounded('{"amount": NaN}')


def test_unterminated_string_of_escaped_quotes_is_refused_at_once(auth_client):
    """A pre-scan of the text with a regular expression went quadratic here (20,000 escaped quotes
    after 70 brackets took 8 s, so these 200,000 would take about 15 minutes): the body is parsed
    once and refused as bad JSON."""
    body = b"[" * 70 + b'"' + b'\\"' * 200_000
    response = auth_client.generic(
        "POST", "/api/products/", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]
