"""An e-mail node whose provider took the request but never answered is not retried (the message
may have been accepted): the node fails saying the outcome is unknown. A refusal before sending is
retried as before."""

import pytest

from testing.fake_email_providers import FakeSendGrid

from .factories import node

pytestmark = pytest.mark.django_db

EMAIL = node("mail", "email", {"to": "ceo@hanbit.co.kr", "subject": "계약 안내", "text": "안녕하세요"})


@pytest.fixture
def slow_sendgrid(settings):
    fake = FakeSendGrid(latency=1.0)
    settings.SENDGRID_API_HOST = fake.url
    settings.SENDGRID_API_KEY = fake.api_key
    settings.EMAIL_PROVIDERS = ["sendgrid"]
    settings.EMAIL_HTTP_TIMEOUT = 0.3
    yield fake
    fake.stop()


def test_send_without_an_answer_fails_the_node_instead_of_retrying(run_workflow, slow_sendgrid):
    execution = run_workflow([EMAIL])

    mail = execution.node_runs.get(node_id="mail")
    assert execution.status == "failed"
    assert (mail.status, mail.attempt, mail.resume_at) == ("failed", 1, None)
    assert mail.error.startswith("outcome unknown: e-mail to ceo@hanbit.co.kr may have been accepted")
    assert slow_sendgrid.request_count == 1


def test_unreachable_provider_is_retried(run_workflow, settings):
    settings.SENDGRID_API_HOST = "http://127.0.0.1:9"  # nothing listens: the request never left
    settings.SENDGRID_API_KEY = "SG.test"
    settings.EMAIL_PROVIDERS = ["sendgrid"]
    execution = run_workflow([EMAIL])

    mail = execution.node_runs.get(node_id="mail")
    assert (execution.status, mail.status, mail.attempt) == ("running", "waiting", 1)
    assert "will retry" in mail.error
