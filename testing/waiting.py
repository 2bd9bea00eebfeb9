"""Polling for what another process or thread does (a Celery worker, a second session), for tests."""

import time


def wait_for(condition, *, what: str, timeout: float = 60.0, interval: float = 0.1):
    """Call ``condition`` until it returns something truthy and return that (a row, True); after
    ``timeout`` seconds fail with "timed out waiting for <what>". For a worker's effect, never for
    time to pass."""
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out waiting for {what} ({timeout:g} s)")
        time.sleep(interval)
