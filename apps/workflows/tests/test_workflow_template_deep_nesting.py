"""A node template nested deeper than the parser can follow answers 400 at save, never a 500."""

import pytest

from .factories import transform

pytestmark = pytest.mark.django_db


def test_deeply_nested_node_template_is_refused(auth_client):
    source = "{{ " + "[" * 3000 + "]" * 3000 + " }}"
    response = auth_client.post(
        "/api/workflows/",
        {"name": "깊이", "nodes": [transform("t", set={"x": source})], "edges": []},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    (message,) = response.json()["fields"]["nodes"]
    assert message.startswith('node "t" (transform): invalid template \'{{ [[[[')
    assert message.endswith("…': nested too deeply")
