"""Fuzz every operation of the live OpenAPI schema with an authenticated user: none may answer 5xx, and
every answer conforms to the schema (a documented status code and content type, a body and headers
matching the documented schema) — the SPA's generated client relies on it."""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from apps.accounts.tests.factories import UserFactory
from conftest import client_for
from salesone.wsgi import application

# Endpoints that never end by design (Server-Sent Events) cannot be called by a fuzzer.
STREAMING_PATHS = ("/api/tracking/stream/",)
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


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
    # No shrinking: a failure is reported as found, which keeps the run's time bounded.
    phases=[Phase.explicit, Phase.generate],
)
def test_every_operation_conforms_and_never_answers_5xx(case, auth_header):
    case.call_and_validate(headers=auth_header, checks=CHECKS)
