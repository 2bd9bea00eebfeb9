"""Fixtures shared by every app's tests: users, authenticated API clients and a real Celery worker."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import translation
from rest_framework.test import APIClient

from apps.accounts.tests.factories import UserFactory
from apps.accounts.tokens import VersionedRefreshToken

ROOT = Path(__file__).resolve().parent


def pytest_sessionstart(session):
    """Our Korean catalogue (locale/ko) is compiled in the build, never committed: compile it here, and
    drop any catalogue loaded before, Django's caches (as override_settings(LOCALE_PATHS=...) would)
    and Python's gettext cache of .mo files by path, which would otherwise keep serving the old file."""
    import gettext

    import django.test.signals  # noqa: F401 — its receiver resets the translation caches
    from django.core.management import call_command
    from django.core.signals import setting_changed

    ignored = [".venv", "var", "tools", "node_modules"]
    call_command("compilemessages", locale=["ko"], ignore_patterns=ignored, verbosity=0)
    gettext._translations.clear()
    setting_changed.send(sender=None, setting="LOCALE_PATHS", value=settings.LOCALE_PATHS, enter=False)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: LocaleMiddleware activates a request's
    Accept-Language in the thread and never deactivates it, so without this a test that asked in
    English would leave English behind for the next test's services."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty Redis cache (throttle counters, compiled templates)."""
    cache.clear()
    yield


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def other_user(db):
    return UserFactory()


def client_for(user) -> APIClient:
    """An API client that sends the user's real JWT access token."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {VersionedRefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def auth_client(user):
    return client_for(user)


@pytest.fixture
def other_client(other_user):
    return client_for(other_user)


def _purge_broker() -> None:
    """Drop messages other tests left in the broker, so a new worker runs only this test's tasks."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(*settings.CELERY_TASK_QUEUES_ALL, "unacked", "unacked_index", "unacked_mutex")


class WorkerProcess:
    """A real ``celery worker`` subprocess bound to the test database."""

    def __init__(self, queues: str | None, concurrency: int, extra_env: dict | None):
        _purge_broker()
        env = os.environ.copy()
        db = connection.settings_dict
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "salesone.settings.test",
                "DATABASE_URL": "postgres://{}@{}:{}/{}".format(
                    db["USER"], db["HOST"] or "127.0.0.1", db["PORT"] or 5432, db["NAME"]
                ),
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(extra_env or {})
        self.log_path = ROOT / "var" / f"test-worker-{os.getpid()}-{time.monotonic_ns()}.log"
        self.log_path.parent.mkdir(exist_ok=True)
        self._log = open(self.log_path, "w")  # noqa: SIM115 — closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "celery_app",
                "worker",
                *(["-Q", queues] if queues else []),  # None: a plain worker, every declared queue
                "-c",
                str(concurrency),
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited early:\n{self.log_path.read_text()}")
            if " ready." in self.log_path.read_text():
                return
            time.sleep(0.1)
        raise RuntimeError(f"celery worker not ready after {timeout}s:\n{self.log_path.read_text()}")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Kill the worker and all its pool processes at once, as a crash would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.kill(signal.SIGTERM)
        self._log.close()


@pytest.fixture
def celery_worker_factory(transactional_db):
    """Start real worker processes: ``celery_worker_factory(queues="default", concurrency=1)``.

    Tests using it see committed data only (transactional_db), as the worker does.
    """
    workers: list[WorkerProcess] = []

    def start(queues: str | None = "default", concurrency: int = 1, extra_env: dict | None = None) -> WorkerProcess:
        worker = WorkerProcess(queues, concurrency, extra_env)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
