"""The Slack node posts through slack-sdk to a fake Slack on 127.0.0.1 (base URL from settings)."""

import pytest

from .factories import node

pytestmark = pytest.mark.django_db


def test_posts_message_with_bot_token(run_workflow, fake_slack):
    execution = run_workflow(
        [
            node(
                "notify",
                "slack",
                {"channel": "#billing", "text": "{{ input.company_name }} 세금계산서 {{ input.amount }}원"},
            )
        ],
        input_data={"company_name": "제로커뮤니케이션(주)", "amount": 123000},
    )
    assert execution.status == "completed", execution.error_message
    [request] = fake_slack.requests
    assert request.path == "/api/chat.postMessage"
    assert request.headers["Authorization"] == "Bearer xoxb-test-token"
    body = request.json()
    assert body["channel"] == "#billing"
    assert body["text"] == "제로커뮤니케이션(주) 세금계산서 123000원"
    assert execution.output_data["notify"] == {"ok": True, "channel": "C0123", "ts": "1712345678.000100"}


def test_slack_error_fails_the_node_without_retry(run_workflow, fake_slack):
    execution = run_workflow([node("notify", "slack", {"channel": "#does-not-exist", "text": "hi", "retries": 2})])
    run = execution.node_runs.get()
    assert execution.status == "failed"
    assert "channel_not_found" in run.error and run.attempt == 1


def test_unconfigured_slack_says_so(run_workflow, settings):
    settings.SLACK_BOT_TOKEN = ""
    execution = run_workflow([node("notify", "slack", {"channel": "#x", "text": "hi"})])
    assert "SLACK_BOT_TOKEN" in execution.node_runs.get().error
