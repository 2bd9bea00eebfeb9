"""Fuzz every operation of the live OpenAPI schema with an authenticated user: none may answer 500."""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from apps.accounts.tests.factories import UserFactory
from conftest import client_for
from salesone.wsgi import application

# Endpoints that never end by design (Server-Sent Events) cannot be called by a fuzzer.
STREAMING_PATHS = ("/api/tracking/stream/",)
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))


@pytest.fixture
def api_schema(transactional_db):
    # Random examples only: the boundary-value "coverage" phase multiplies the run time by ten.
    config = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": False}}})
    return schemathesis.openapi.from_wsgi("/api/schema/", application, config=config)


# Filtered on the lazy schema: a filter on the fixture's loaded schema is not applied to the tests.
schema = schemathesis.pytest.from_fixture("api_schema").exclude(path=list(STREAMING_PATHS))


@pytest.fixture
def auth_header(transactional_db):
    token = client_for(UserFactory())._credentials["HTTP_AUTHORIZATION"]
    return {"Authorization": token}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
    derandomize=True,
)
def test_no_operation_answers_500(case, auth_header):
    response = case.call(headers=auth_header)
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} → {response.status_code}: {response.text[:500]}"
    )
