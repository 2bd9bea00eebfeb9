"""Mail test fixtures: the fake SendGrid and Mailgun servers of the campaign tests."""

from apps.campaigns.tests.conftest import eager_celery, fake_mailgun, fake_sendgrid, send  # noqa: F401 — fixtures
