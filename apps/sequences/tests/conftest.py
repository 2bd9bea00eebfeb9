"""Sequence test fixtures: the campaign tests' fake providers and in-process sending."""

import contextlib

import pytest
import time_machine

from apps.campaigns.tests.conftest import eager_celery, fake_sendgrid, pgbouncer  # noqa: F401


@pytest.fixture
def send(django_capture_on_commit_callbacks, eager_celery):  # noqa: F811
    """Run a callable and every task its transaction queues (chunks send in this process). With a
    ``now`` argument the clock is frozen there too: the claim re-checks a step row's window against
    the application's clock, so scheduling at MONDAY_10 and sending on the real clock must agree."""

    def run(fn, *args, **kwargs):
        now = kwargs.get("now")
        with (
            time_machine.travel(now, tick=False) if now else contextlib.nullcontext(),
            django_capture_on_commit_callbacks(execute=True),
        ):
            return fn(*args, **kwargs)

    return run
