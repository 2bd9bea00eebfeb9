"""A hook body with a lone UTF-16 surrogate ("\\ud800" escaped in JSON) is valid JSON but not text:
it can be neither stored nor answered in UTF-8. The caller gets a 400 that says so, whichever path
the run would take, and nothing is stored; a surrogate pair (an emoji) is ordinary text."""

import pytest

from apps.workflows.models import WorkflowExecution

from .factories import hook_then, transform

pytestmark = pytest.mark.django_db


@pytest.fixture
def hooked(user):
    return hook_then(user, transform("greet", set={"greeting": "{{ input.name }}"}))


def post_raw(api_client, workflow, raw: bytes):
    return api_client.post(
        f"/api/workflows/{workflow.pk}/hooks/{workflow.webhook_secret}/",
        raw,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )


@pytest.mark.parametrize("inline_max_nodes", [50, 0], ids=["run-in-request", "queued"])
@pytest.mark.parametrize("raw", [rb'{"name": "\ud800"}', rb'{"\uDFFF": 1}', rb'["a", {"b": ["\udbff x"]}]'])
def test_lone_surrogate_is_a_400_that_says_why(api_client, hooked, settings, inline_max_nodes, raw):
    settings.WORKFLOW_HOOK_INLINE_MAX_NODES = inline_max_nodes
    response = post_raw(api_client, hooked, raw)
    assert response.status_code == 400
    assert "lone UTF-16 surrogate" in response.json()["detail"]
    assert not WorkflowExecution.objects.exists()


def test_surrogate_pair_and_escaped_backslash_are_text(api_client, hooked):
    response = post_raw(api_client, hooked, rb'{"name": "\ud83d\ude00 \\ud800"}')
    assert response.status_code == 202 and response.json()["status"] == "completed"
    execution = WorkflowExecution.objects.get()
    assert execution.output_data["greet"]["greeting"] == "\U0001f600 \\ud800"


@pytest.mark.parametrize("inline_max_nodes", [50, 0], ids=["run-in-request", "queued"])
@pytest.mark.parametrize(
    "charset, raw",
    [
        ("utf-7", b'{"name": "+2AA-"}'),
        ("raw_unicode_escape", rb'{"name": "\ud800"}'),
        ("unicode_escape", rb'["\udfff"]'),
    ],
)
def test_a_charset_that_decodes_to_a_lone_surrogate_is_a_400(
    api_client, hooked, settings, inline_max_nodes, charset, raw
):
    """The escape check alone missed these: the body's own charset turns the bytes into the surrogate
    before JSON sees them, so the JSON text has no escape left to find."""
    settings.WORKFLOW_HOOK_INLINE_MAX_NODES = inline_max_nodes
    response = api_client.post(
        f"/api/workflows/{hooked.pk}/hooks/{hooked.webhook_secret}/",
        raw,
        content_type=f"application/json; charset={charset}",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "lone UTF-16 surrogate" in response.json()["detail"]
    assert not WorkflowExecution.objects.exists()
