"""Mail test fixtures: the fake SendGrid and Mailgun servers of the campaign tests."""

from apps.campaigns.tests.conftest import fake_mailgun, fake_sendgrid  # noqa: F401 — fixtures
