"""OPTIONS on the plain (non-DRF) tracking and webhook views answers 200 with Allow, never a 500."""

import pytest

from apps.campaigns.tracking import click_signature, result_token

from .factories import ResultFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def result():
    return ResultFactory()


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/api/t/o/{token}/", {"GET", "HEAD", "OPTIONS"}),
        ("/api/t/c/{token}/{signature}/?u=https://example.com/", {"GET", "HEAD", "OPTIONS"}),
        ("/api/t/u/{token}/", {"GET", "POST", "OPTIONS"}),
        ("/api/webhooks/sendgrid/", {"POST", "OPTIONS"}),
        ("/api/webhooks/mailgun/", {"POST", "OPTIONS"}),
        ("/api/webhooks/sendgrid/inbound/some-secret/", {"POST", "OPTIONS"}),
        ("/api/webhooks/mailgun/inbound/", {"POST", "OPTIONS"}),
    ],
)
def test_options_answers_allowed_methods(client, result, path, allowed):
    url = path.format(token=result_token(result.id), signature=click_signature("https://example.com/", result.id))
    response = client.options(url)
    assert response.status_code == 200
    assert set(response["Allow"].replace(" ", "").split(",")) == allowed
    assert response.content == b""
