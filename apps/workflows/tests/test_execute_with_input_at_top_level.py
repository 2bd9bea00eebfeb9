"""POST /api/workflows/{id}/execute/ takes the input as {"input_data": {...}} or as the body itself;
what it cannot use it refuses with a 400 naming input_data, never runs without it."""

import pytest

from apps.workflows.engine import execution_run_inline
from apps.workflows.models import WorkflowExecution

from .factories import WorkflowFactory, transform

pytestmark = pytest.mark.django_db

GREETING = transform("greet", keep_input=False, set={"text": "{{ input.company_name }} 대표님께"})


@pytest.fixture
def workflow(user):
    return WorkflowFactory(user=user, nodes=[GREETING])


def execute(auth_client, workflow, body):
    return auth_client.post(f"/api/workflows/{workflow.pk}/execute/", body, format="json")


def test_body_without_input_data_is_the_input(auth_client, workflow):
    response = execute(auth_client, workflow, {"company_name": "(주)세일즈원", "amount": 1000})

    assert response.status_code == 202
    assert response.json()["input_data"] == {"company_name": "(주)세일즈원", "amount": 1000}
    execution = execution_run_inline(response.json()["id"])
    assert execution.output_data == {"greet": {"text": "(주)세일즈원 대표님께"}}


def test_input_data_key_is_the_input(auth_client, workflow):
    response = execute(auth_client, workflow, {"input_data": {"company_name": "한빛상사"}})

    assert response.status_code == 202
    assert execution_run_inline(response.json()["id"]).output_data == {"greet": {"text": "한빛상사 대표님께"}}


def test_keys_beside_input_data_are_refused_not_dropped(auth_client, workflow):
    response = execute(auth_client, workflow, {"input_data": {"amount": 1}, "company_name": "한빛상사"})

    assert response.status_code == 400
    message = response.json()["fields"]["input_data"][0]
    assert "company_name" in message and "input_data" in message
    assert not WorkflowExecution.objects.exists()


@pytest.mark.parametrize("body", [["company_name"], "한빛상사", {"input_data": ["a"]}, {"input_data": None}])
def test_input_that_is_not_an_object_is_refused(auth_client, workflow, body):
    response = execute(auth_client, workflow, body)

    assert response.status_code == 400
    assert "input_data" in response.json()["fields"]
    assert not WorkflowExecution.objects.exists()
