"""Sequence test fixtures: the campaign tests' fake providers and in-process sending."""

from apps.campaigns.tests.conftest import eager_celery, fake_sendgrid, send  # noqa: F401
