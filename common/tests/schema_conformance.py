"""Schemathesis's response checks (status code, content type, body and header schema) on Django test
client responses, against the live schema."""

import requests
import schemathesis
from schemathesis.core.transport import Response


def live_schema(client):
    raw = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    return schemathesis.openapi.from_dict(raw)


def assert_conforms(schema, method: str, template: str, response) -> None:
    """Raises schemathesis's FailureGroup, naming what does not match, when ``response`` is not one the
    schema documents for ``method template``."""
    request = requests.Request(method, f"http://testserver{response.request['PATH_INFO']}").prepare()
    headers = {name: [value] for name, value in response.items()}
    converted = Response(response.status_code, headers, response.content, request, elapsed=0.0, verify=True)
    schema[template][method].validate_response(converted)
