"""Campaign test fixtures: fake providers on 127.0.0.1 and Celery run in-process (eager)."""

import pytest
from celery._state import _set_task_join_will_block

from celery_app import app as celery_app
from testing.fake_email_providers import FakeMailgun, FakeSendGrid
from testing.pgbouncer import pgbouncer  # noqa: F401 (a fixture, for the tests behind PgBouncer)


@pytest.fixture
def eager_celery():
    """Tasks queued by on_commit run at once in this process (used with captured on_commit hooks)."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_eager_propagates = False
    # An eager task runs inside Celery's denied_join_result(), which sets a process-wide "inside a task" flag
    # and puts back the value it found: two threads running eager tasks at once (a tick's two batch workers
    # dispatching their chunks) can leave it set, and every later AsyncResult.get() of the test process
    # raises "Never call result.get() within a task!" (2026-12-07: four worker tests after the tick's).
    _set_task_join_will_block(False)


@pytest.fixture
def fake_sendgrid(settings):
    fake = FakeSendGrid()
    settings.SENDGRID_API_HOST = fake.url
    settings.SENDGRID_API_KEY = fake.api_key
    settings.EMAIL_PROVIDERS = ["sendgrid"]
    settings.EMAIL_HTTP_TIMEOUT = 5.0
    yield fake
    fake.stop()


@pytest.fixture
def fake_mailgun(settings):
    fake = FakeMailgun()
    settings.MAILGUN_API_BASE_URL = f"{fake.url}/v3"
    settings.MAILGUN_API_KEY = fake.api_key
    settings.MAILGUN_DOMAIN = fake.domain
    settings.EMAIL_PROVIDERS = ["mailgun"]
    settings.EMAIL_HTTP_TIMEOUT = 5.0
    yield fake
    fake.stop()


@pytest.fixture
def send(django_capture_on_commit_callbacks, eager_celery):
    """Run a callable and every task its transaction queues (chunks send in this process)."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run
