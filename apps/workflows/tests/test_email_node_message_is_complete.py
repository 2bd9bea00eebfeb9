"""A sequence's e-mail reaches the provider complete (a text part and a whole HTML document) and with
the headers providers group it by: List-Id per sequence (RFC 2919) and Gmail's Feedback-ID."""

import pytest

from apps.campaigns.tests.conftest import fake_mailgun  # noqa: F401 — fixture
from apps.campaigns.tests.delivered import mailgun_delivered, parts

from .factories import node

pytestmark = pytest.mark.django_db

EMAIL = node(
    "mail",
    "email",
    {
        "to": "ceo@hanbit.co.kr",
        "subject": "계약 안내",
        "body": '<p>안녕하세요.</p><a href="https://salesone.kr">안내</a>',
    },
)


def test_sequence_email_is_complete_with_list_headers(run_workflow, fake_mailgun, settings):  # noqa: F811
    settings.DEFAULT_FROM_EMAIL = "세일즈원 <no-reply@mail.salesone.kr>"
    execution = run_workflow([EMAIL])

    assert execution.node_runs.get(node_id="mail").status == "completed"
    [message] = mailgun_delivered(fake_mailgun)
    text, html = parts(message)
    assert text == "안녕하세요.\n\n안내 (https://salesone.kr)\n"
    assert html.startswith("<!DOCTYPE html>") and '<html lang="ko">' in html
    workflow_id = execution.workflow_id
    assert message["List-Id"] == f"<{workflow_id}.sequences.mail.salesone.kr>"
    assert message["Feedback-ID"].startswith(f"{workflow_id}:") and message["Feedback-ID"].endswith(":salesone")
