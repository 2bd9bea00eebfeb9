"""What every benchmark shares: percentiles and timing, the printed table, and the processes a
benchmark starts (Celery workers, gunicorn, a fake provider) and must stop again.

No Django import at module level: ``bench.load_client`` runs in a process of its own without
Django and takes its percentiles from here.
"""

from __future__ import annotations

import contextlib
import http.client
import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/wsgi.py answers it with a 204 before Django (bench_tracking's floor under the plain Django view).
BARE_WSGI_PATH = "/bench/bare/"
LOG_DIR = ROOT / "var"

# -- timing -------------------------------------------------------------------------------------------


def percentile(values: Iterable[float], share: float) -> float:
    """The value at ``share`` (0.95 for p95) of the sorted values: nearest rank on the inclusive
    scale (index ``round(share * (n - 1))``). NaN when there are none."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


@dataclass
class Timings:
    """Wall and CPU milliseconds of repeated calls (``timed``)."""

    wall_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.wall_ms)

    @property
    def p95(self) -> float:
        return percentile(self.wall_ms, 0.95)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_ms)


def timed(call: Callable[[], object], *, repeat: int) -> Timings:
    """Call ``repeat`` times; the wall time and this process's CPU time of each call, in ms."""
    timings = Timings()
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        call()
        timings.wall_ms.append((time.perf_counter() - started) * 1000)
        timings.cpu_ms.append((time.process_time() - cpu_started) * 1000)
    return timings


# -- the printed table --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column: its title, its width, how a value is written (a format spec such as ".1f") and
    its alignment; ``gap`` is what separates it from the column before."""

    title: str
    width: int = 0
    spec: str = ""
    align: str = ">"
    gap: str = " "


class Table:
    """Fixed-width columns, written line by line as the figures come (a benchmark can take minutes)."""

    def __init__(self, *columns: Column, write: Callable[[str], object], rule: bool = True):
        self.columns = columns
        self.write = write
        self.rule = rule

    def _line(self, cells: Sequence[str]) -> str:
        parts = []
        for index, (column, cell) in enumerate(zip(self.columns, cells, strict=False)):
            parts.append(("" if index == 0 else column.gap) + f"{cell:{column.align}{column.width or ''}}")
        return "".join(parts)

    def header(self) -> None:
        line = self._line([column.title for column in self.columns])
        self.write(line)
        if self.rule:
            self.write("-" * len(line))

    def format_row(self, *values: object) -> str:
        """The cells of the first ``len(values)`` columns (a row may stop early)."""
        return self._line([format(value, column.spec) for column, value in zip(self.columns, values, strict=False)])

    def row(self, *values: object, suffix: str = "") -> None:
        self.write(self.format_row(*values) + suffix)


def markdown_table(titles: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A Markdown table (for figures pasted into an issue or a doc)."""
    lines = ["| " + " | ".join(titles) + " |", "|" + "---|" * len(titles)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


# -- processes ----------------------------------------------------------------------------------------


@contextlib.contextmanager
def user_throttle_raised(rate: str = "1000000/min"):
    """The API's per-user rate limit raised while a bench sends its thousands of requests as one user (its
    Redis round trip is still paid): measured, not refused with a 429 once a run is fast enough to pass
    THROTTLE_USER (bench_salesone_search's third run did on an idle machine, 2026-12-07)."""
    from rest_framework.throttling import UserRateThrottle

    had_rate, original = "rate" in vars(UserRateThrottle), vars(UserRateThrottle).get("rate")
    UserRateThrottle.rate = rate
    try:
        yield
    finally:
        if had_rate:
            UserRateThrottle.rate = original
        else:  # DRF's own: the rate read from THROTTLE_USER on each throttle's creation
            del UserRateThrottle.rate


class BenchError(RuntimeError):
    """A process the benchmark needs did not start or answer (the commands show it as a CommandError)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process_group(process: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM to the process's group (it was started with ``start_new_session``), SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


_TICK = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of one process so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime


def postgres_backend_cpu(pid: int) -> float | None:
    """CPU seconds of this database connection's backend (``pg_backend_pid()``), or None when this
    machine's /proc does not show a postgres process of that pid: a server on another host or in a
    container of its own, where the same pid may be an unrelated process here."""
    try:
        if Path(f"/proc/{pid}/comm").read_text().strip() != "postgres":
            return None
    except OSError:
        return None
    return process_cpu(pid)


def postgres_cpu() -> float:
    """CPU of every PostgreSQL process on the machine (other users' backends included)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    total += process_cpu(int(entry.name))
            except (FileNotFoundError, ProcessLookupError):
                continue
    return total


def postgres_server_cpu() -> float:
    """CPU seconds of the whole PostgreSQL server so far: every postgres process alive, and every one that
    has exited (the backends of connections already closed, counted in their postmaster's children's
    times). What a pass on several connections opened and closed on the way cost the server, its background
    processes (WAL writer, checkpointer) included."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() != "postgres":
                continue
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
            total += (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime
            if Path(f"/proc/{fields[1]}/comm").read_text().strip() != "postgres":  # the postmaster
                total += (int(fields[13]) + int(fields[14])) / _TICK  # cutime, cstime: its exited children
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def database_backends_cpu(cursor) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend connected to the cursor's database, but the
    cursor's own: what this benchmark's workers cost PostgreSQL, without other databases' backends
    (``postgres_cpu`` counts every one on the machine). Shared processes (WAL writer, checkpointer)
    are not counted."""
    cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
    return {pid: process_cpu(pid) for (pid,) in cursor.fetchall()}


def cpu_used_since(before: dict[int, float], after: dict[int, float]) -> float:
    """The CPU the processes of ``after`` used since ``before`` (a process new since then: all of it)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def machine_busy() -> float:
    """CPU seconds the whole machine spent busy (all cores, every user)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / _TICK  # minus idle and iowait


class WorkerPool:
    """One ``celery worker`` process with N prefork children on one queue, logging to var/; it is
    ready once its pool processes exist."""

    def __init__(
        self,
        *,
        concurrency: int,
        env: dict,
        log_dir: Path = LOG_DIR,
        queue: str = "campaigns",
        include: str | None = None,
        extra_args: Sequence[str] = (),
        name: str = "bench-worker",
    ):
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"{name}-{os.getpid()}-{time.monotonic_ns()}.log"
        self._log = open(self.log_path, "w")  # noqa: SIM115 — closed in stop()
        command = [sys.executable, "-m", "celery", "-A", "celery_app", "worker", "-Q", queue, "-c", str(concurrency)]
        if include:
            command += ["-I", include]
        command += ["--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"]
        self.process = subprocess.Popen(
            [*command, *extra_args],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.concurrency = concurrency
        self._wait_ready()

    def children(self) -> list[int]:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.process.pid)], capture_output=True, text=True)
        return [int(pid) for pid in out.stdout.split()]

    def _wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                raise BenchError(f"worker exited early:\n{self.log_path.read_text()[-3000:]}")
            if len(self.children()) >= self.concurrency:
                time.sleep(1.0)  # the consumer connects right after the pool is up
                return
            time.sleep(0.2)
        self.stop()
        raise BenchError("worker not ready in time")

    def peak_memory_mb(self) -> float:
        """Peak resident memory (VmHWM) of the busiest pool process, in MB."""
        peaks = []
        for pid in self.children():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks.append(int(line.split()[1]) / 1024)
            except FileNotFoundError:
                continue
        return max(peaks, default=0.0)

    def cpu_seconds(self) -> float:
        """User + system CPU of the pool processes so far."""
        return sum(process_cpu(pid) for pid in self.children())

    def stop(self) -> None:
        stop_process_group(self.process)
        self._log.close()


class Gunicorn:
    """gunicorn serving the project on 127.0.0.1 (``port``), ready once ``ready_path`` answers one of
    ``ready_statuses``; its output goes to ``log_path`` or, without one, to this process's."""

    def __init__(
        self,
        *,
        app: str,
        port: int,
        env: dict,
        args: Sequence[str],
        ready_path: str,
        ready_statuses: Sequence[int] = (200,),
        log_path: Path | None = None,
        timeout: float = 60,
    ):
        self.port = port
        self._log = None
        if log_path is not None:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = open(log_path, "w")  # noqa: SIM115 — closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}", *args],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT if self._log else None,
            start_new_session=True,
        )
        try:
            self._wait_ready(ready_path, ready_statuses, timeout, log_path)
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, path: str, statuses: Sequence[int], timeout: float, log_path: Path | None) -> None:
        deadline = time.monotonic() + timeout
        where = f"; see {log_path}" if log_path else ""
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn exited while starting{where}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", path)
                if connection.getresponse().status in statuses:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise BenchError(f"gunicorn did not answer within {timeout:.0f} s{where}")

    def stop(self) -> None:
        stop_process_group(self.process)
        if self._log is not None:
            self._log.close()


# -- the fake e-mail provider -------------------------------------------------------------------------


def fake_sendgrid(**options):
    """A fake SendGrid HTTP API on 127.0.0.1 (the tests' fake, testing/fake_email_providers.py)."""
    from testing.fake_email_providers import FakeSendGrid

    return FakeSendGrid(**options)


def sendgrid_worker_env(fake, base: dict | None = None) -> dict:
    """The environment of a worker that sends through the SendGrid provider into ``fake``, with no
    rate limit or daily cap in the way (the benchmark measures the pipeline, not the limits)."""
    env = dict(os.environ if base is None else base)
    env.update(
        {
            "DEBUG": "false",
            "PYTHONUNBUFFERED": "1",
            "EMAIL_PROVIDERS": "sendgrid",
            "SENDGRID_API_HOST": fake.url,
            "SENDGRID_API_KEY": fake.api_key,
            "EMAIL_PROVIDER_RATE_LIMITS": '{"sendgrid": [1000000, 1000000]}',
            "CAMPAIGN_USER_DAILY_CAP": "0",
        }
    )
    return env
