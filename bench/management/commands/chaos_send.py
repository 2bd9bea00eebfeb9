"""Chaos check: a campaign sent through the project's SendGrid provider into a fake SendGrid on
127.0.0.1 while a fault is injected twice mid-send, once per fault:

- ``worker``: the worker's process group is SIGKILLed and a new worker started;
- ``redis``: Redis crashes (``SHUTDOWN NOSAVE``, no AOF) and is restarted empty;
- ``postgres``: PostgreSQL crashes (``pg_ctl stop -m immediate``) and is back after 3 s.

The command starts its own PostgreSQL and Redis on free loopback ports (never the machine's shared
ones) and removes them at the end; the Celery workers and a driver process (which seeds and starts
the campaign, then runs the beat jobs: reconcile and the outcome resolver) point at them. It prints
per fault: duplicates, never sent, rows whose outcome became unknown (and of those, how many the
worker had the answer for, and how many the fake did deliver), resolved through the provider's log,
held or sent once more, and the seconds from the start service's return and from the last restarted
service's return to the campaign's completion.

Defaults are the setup of issue 25: 3,000 leads, 1.5 s provider latency, CAMPAIGN_CHUNK_SIZE=100,
CAMPAIGN_SEND_LEASE_SECONDS=60, faults at 20 % and 60 % of the messages, the beat every 60 s.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from bench.harness import LOG_DIR, ROOT, WorkerPool, fake_sendgrid, free_port, markdown_table, sendgrid_worker_env

FAULTS = ("worker", "redis", "postgres")
CHAOS_EMAIL = "chaos@salesone.chaos"


def _as_postgres_user() -> list[str]:
    """PostgreSQL refuses to run as root: as root, its tools run as the postgres user."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


class LocalPostgres:
    """A throwaway PostgreSQL cluster on a free loopback port."""

    def __init__(self):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="chaos-pg-"))
        self.data = self.dir / "data"
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        self.start()

    def _run(self, *args: str) -> None:
        result = subprocess.run([*_as_postgres_user(), *args], capture_output=True, text=True, cwd=self.dir)
        if result.returncode:
            raise CommandError(f"{' '.join(args[:2])} failed: {result.stdout}{result.stderr}")

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir} "
            "-c fsync=off -c full_page_writes=off -c max_connections=200 -c jit=off"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"), "-w", "start")

    def crash(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")

    def remove(self) -> None:
        with contextlib.suppress(CommandError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


class LocalRedis:
    """A throwaway Redis on a free loopback port, keeping nothing on disk."""

    def __init__(self):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="chaos-redis-"))
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.dir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return
            time.sleep(0.05)
        raise CommandError("redis-server did not start")

    def crash(self) -> None:
        """SHUTDOWN NOSAVE: everything in memory (queued tasks, unacked messages) is lost."""
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True)
        if self.process is not None:
            self.process.wait(timeout=10)

    def remove(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


@dataclass
class FaultResult:
    fault: str
    leads: int
    injected_at: list[int] = field(default_factory=list)  # messages received when each fault hit
    received: int = 0
    duplicates: int = 0
    never_sent: int = 0
    unknown: int = 0  # rows whose outcome became unknown (now, or resolved since)
    unknown_answered: int = 0  # of those, rows whose answer reached a live worker
    unknown_delivered: int = 0  # of those, rows the fake provider did accept
    resolved_found: int = 0  # resolved to sent through the provider's log
    unresolved_delivered: int = 0  # delivered, yet not resolved to sent
    held: int = 0
    resent: int = 0
    still_unknown: int = 0
    status: str = ""
    start_to_complete: float | None = None  # seconds from campaign_start's return
    back_to_complete: float | None = None  # seconds from the last restarted service's return
    notes: list[str] = field(default_factory=list)


class Driver:
    """``manage.py chaos_send --driver …`` in the chaos environment, its JSON lines read as they come."""

    def __init__(self, role: str, env: dict, *args: str):
        self.lines: list[dict] = []
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "chaos_send", "--driver", role, *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.output: list[str] = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.output.append(line)
            if line.startswith("{"):
                with contextlib.suppress(ValueError):
                    self.lines.append(json.loads(line))

    def wait(self, timeout: float) -> dict:
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.thread.join(timeout=5)
        if not self.lines:
            raise CommandError("chaos driver printed nothing:\n" + "".join(self.output[-40:]))
        return self.lines[-1]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
            if self.process.poll() is None:
                self.process.kill()


def run_fault(
    fault: str,
    *,
    postgres: LocalPostgres,
    redis: LocalRedis,
    leads: int,
    latency: float,
    chunk_size: int,
    lease: int,
    at: tuple[float, ...],
    concurrency: int,
    beat_seconds: float,
    settle: int,
    log_lag: float,
    resend: bool,
    timeout: float,
    log_dir: Path,
    say=print,
) -> FaultResult:
    fake = fake_sendgrid(latency=latency, record_bodies=False, log_lag=log_lag)
    env = sendgrid_worker_env(fake)
    env.pop("CELERY_BROKER_URL", None)
    env.pop("CELERY_RESULT_BACKEND", None)
    env.update(
        {
            # The drivers run this command again: the development settings, with the bench app.
            "DJANGO_SETTINGS_MODULE": "salesone.settings.development",
            "BENCH_ENABLED": "true",
            "DATABASE_URL": postgres.url(f"chaos_{fault}"),
            "REDIS_URL": redis.url(),
            "EMAIL_HTTP_TIMEOUT": str(max(10.0, latency * 4)),
            "CAMPAIGN_CHUNK_SIZE": str(chunk_size),
            "CAMPAIGN_SEND_LEASE_SECONDS": str(lease),
            "CAMPAIGN_UNKNOWN_SETTLE_SECONDS": str(settle),
            "CAMPAIGN_UNKNOWN_NOT_FOUND": "resend" if resend else "hold",
        }
    )
    result = FaultResult(fault=fault, leads=leads)
    for command in (["ensure_database"], ["migrate", "-v", "0"]):
        done = subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True
        )
        if done.returncode:
            raise CommandError(f"{command[0]} failed:\n{done.stdout}{done.stderr}")
    workers = WorkerPool(concurrency=concurrency, env=env, log_dir=log_dir)
    beat = None
    try:
        seed = Driver("seed", env, "--leads", str(leads))
        started = seed.wait(timeout=300)
        returned_at = started["returned_at"]
        beat = Driver("beat", env, started["campaign"], "--beat-seconds", str(beat_seconds))
        last_back = None
        deadline = time.monotonic() + timeout
        for fraction in at:
            # Past the mark, and with a request at the provider that it will accept although its
            # worker dies: every fault leaves rows the provider has and the worker never recorded
            # (the case the resolver must find in the log), not only, by chance, rows never sent.
            while (fake.received_count < fraction * leads or not fake.in_flight) and time.monotonic() < deadline:
                if beat.process.poll() is not None:
                    break
                time.sleep(0.005)
            if fake.received_count < fraction * leads:
                result.notes.append(f"the {fraction:.0%} mark was never reached")
                break
            if not fake.in_flight:
                result.notes.append(f"no request was at the provider at the {fraction:.0%} fault")
            if fake.received_count >= leads:
                result.notes.append(f"the {fraction:.0%} fault came after the last message")
            result.injected_at.append(fake.received_count)
            say(f"  {fault}: fault at {fake.received_count} messages")
            if fault == "worker":
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(workers.process.pid, signal.SIGKILL)  # the worker and its pool, at once
                workers.stop()
                workers = WorkerPool(concurrency=concurrency, env=env, log_dir=log_dir)
            elif fault == "redis":
                redis.crash()
                redis.start()
            else:
                postgres.crash()
                time.sleep(3)
                postgres.start()
            last_back = time.time()
        final = beat.wait(timeout=max(1.0, deadline - time.monotonic()))
        report = Driver("report", env, started["campaign"]).wait(timeout=120)
    finally:
        if beat is not None:
            beat.stop()
        workers.stop()
        fake.stop()
    _score(result, fake, report, final, returned_at, last_back)
    return result


def _score(result: FaultResult, fake, report: dict, final: dict, returned_at, last_back) -> None:
    messages = list(fake.messages)
    result.received = len(messages)
    result.duplicates = sum(n - 1 for n in fake.duplicates().values())
    got = {m.to.lower() for m in messages}
    result.never_sent = sum(1 for email in report["emails"] if email.lower() not in got)
    unknown = report["unknown"]  # {result id: [resolution, resolved_at (epoch seconds) or None]}

    # What the provider had of the attempt that became unknown: messages accepted before the row
    # was resolved. A row sent once more is accepted again after that; counting that message would
    # call a row that never left "delivered, not resolved", and hide which attempt got through.
    def of_first_attempt(message) -> bool:
        row = message.custom_args.get("result_id")
        return row in unknown and (unknown[row][1] is None or message.accepted_at < unknown[row][1])

    first_attempt = [m for m in messages if of_first_attempt(m)]
    delivered = {m.custom_args["result_id"] for m in first_attempt}
    answered = {m.custom_args["result_id"] for m in first_attempt if m.answered}
    resolutions = {row: resolution for row, (resolution, _at) in unknown.items()}
    result.unknown = len(unknown)
    result.unknown_answered = len(answered)
    result.unknown_delivered = len(delivered)
    result.resolved_found = sum(1 for resolution in resolutions.values() if resolution == "found")
    result.unresolved_delivered = sum(1 for row in delivered if resolutions[row] != "found")
    result.held = sum(1 for resolution in resolutions.values() if resolution == "held")
    result.resent = sum(1 for resolution in resolutions.values() if resolution == "resent")
    result.still_unknown = report["still_unknown"]
    result.status = report["status"]
    if report["completed_at"] is not None:
        result.start_to_complete = round(report["completed_at"] - returned_at, 1)
        if last_back is not None:
            result.back_to_complete = round(report["completed_at"] - last_back, 1)
    if not final.get("done"):
        result.notes.append("timed out waiting for the campaign to complete and its unknown rows to be resolved")


TITLES = (
    "fault, twice mid-send",
    "received",
    "duplicates",
    "never sent",
    "unknown",
    "unknown, answer had arrived",
    "unknown, provider delivered",
    "resolved to sent via provider log",
    "delivered, not resolved",
    "held",
    "sent once more",
    "still unknown",
    "campaign",
    "start → completed s",
    "last service back → completed s",
    "notes",
)


def table(results: list[FaultResult]) -> str:
    return markdown_table(
        TITLES,
        [
            (
                f"{r.fault} (at {', '.join(str(n) for n in r.injected_at) or '-'} msgs)",
                r.received,
                r.duplicates,
                r.never_sent,
                r.unknown,
                r.unknown_answered,
                r.unknown_delivered,
                r.resolved_found,
                r.unresolved_delivered,
                r.held,
                r.resent,
                r.still_unknown,
                r.status,
                r.start_to_complete if r.start_to_complete is not None else "-",
                r.back_to_complete if r.back_to_complete is not None else "-",
                "; ".join(r.notes),
            )
            for r in results
        ],
    )


def run_chaos(*, faults, say=print, **options) -> list[FaultResult]:
    postgres = LocalPostgres()
    redis = LocalRedis()
    log_dir = LOG_DIR / "chaos"
    log_dir.mkdir(parents=True, exist_ok=True)
    say(f"PostgreSQL on 127.0.0.1:{postgres.port}, Redis on 127.0.0.1:{redis.port} (started for this run)")
    try:
        results = []
        for fault in faults:
            results.append(run_fault(fault, postgres=postgres, redis=redis, log_dir=log_dir, say=say, **options))
            say(f"  {fault}: {json.dumps(asdict(results[-1]), ensure_ascii=False)}")
        return results
    finally:
        redis.remove()
        postgres.remove()


# -- the driver: runs in the chaos environment (its own database and Redis) -------------------------


def _emit(payload: dict) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def driver_seed(options) -> None:
    """A user with ``--leads`` leads in one list, a template and a campaign; start it."""
    from apps.accounts.models import User
    from apps.campaigns.models import Campaign, CampaignTemplate
    from apps.campaigns.services import campaign_start
    from apps.leads.models import Lead, LeadList
    from bench.consent import ensure_bench_consent

    tag = uuid.uuid4().hex[:8]
    user = User.objects.create_user(email=f"chaos-{tag}@salesone.chaos", password=uuid.uuid4().hex, last_name="카오스")
    leads = Lead.objects.bulk_create(
        Lead(user=user, name=f"(주)카오스{i}", owner="김민준", email=f"ceo{i}-{tag}@chaos{i % 97}.example.kr")
        for i in range(options["leads"])
    )
    ensure_bench_consent(user)
    lead_list = LeadList.objects.create(user=user, name="chaos", lead_ids=[lead.pk for lead in leads])
    template = CampaignTemplate.objects.create(
        user=user,
        name="chaos",
        title="{{ company.owner }} 대표님께",
        body="<p>{{ company.name }} 대표님, 안녕하세요.</p>",
    )
    campaign = Campaign.objects.create(user=user, template=template, name=f"chaos {tag}", sender_name="(주)세일즈원")
    campaign.leadlists.set([lead_list])
    campaign_start(campaign=campaign)
    _emit({"campaign": str(campaign.pk), "returned_at": time.time()})


def driver_beat(options) -> None:
    """The beat jobs (reconcile, then the outcome resolver) every ``--beat-seconds``, riding out a
    database outage; a status line a second; ends once the campaign is completed and no row waits
    for the provider's log."""
    from django.db import Error as DatabaseError
    from django.db import connection

    from apps.campaigns.models import Campaign
    from apps.campaigns.resolution import campaign_awaiting_rows, campaigns_resolve_unknown
    from apps.campaigns.services import campaign_has_open_rows, campaigns_reconcile

    campaign_id = options["campaign"]
    next_beat = time.monotonic() + options["beat_seconds"]
    while True:
        try:
            if time.monotonic() >= next_beat:
                next_beat = time.monotonic() + options["beat_seconds"]
                _emit({"reconcile": campaigns_reconcile(), "resolve": campaigns_resolve_unknown()})
            status = Campaign.objects.filter(pk=campaign_id).values_list("status", flat=True).first()
            awaiting = len(campaign_awaiting_rows(campaign_id=campaign_id))
            done = status == Campaign.Status.COMPLETED and not awaiting
            _emit(
                {"t": time.time(), "status": status, "open": campaign_has_open_rows(campaign_id), "awaiting": awaiting}
            )
            if done:
                _emit({"done": True})
                return
        except DatabaseError as exc:
            _emit({"t": time.time(), "database_error": str(exc)[:200]})
            connection.close()
        except Exception as exc:  # the broker down: the resolver's dispatch or reconcile's .delay
            _emit({"t": time.time(), "error": repr(exc)[:200]})
        time.sleep(1.0)


def driver_report(options) -> None:
    from apps.campaigns.models import Campaign, CampaignLeadResult
    from apps.campaigns.resolution import UNKNOWN_OUTCOME
    from apps.leads.models import Lead

    campaign = Campaign.objects.get(pk=options["campaign"])
    rows = CampaignLeadResult.objects.filter(campaign=campaign)
    ever_unknown = rows.filter(UNKNOWN_OUTCOME | ~Q(resolution=""))
    _emit(
        {
            "status": campaign.status,
            "completed_at": campaign.completed_at.timestamp() if campaign.completed_at else None,
            "emails": list(Lead.objects.filter(user=campaign.user).values_list("email", flat=True)),
            "unknown": {
                str(pk): [resolution, resolved_at.timestamp() if resolved_at else None]
                for pk, resolution, resolved_at in ever_unknown.values_list("pk", "resolution", "resolved_at")
            },
            "still_unknown": rows.filter(UNKNOWN_OUTCOME).count(),
        }
    )


class Command(BaseCommand):
    help = "Chaos check: a campaign through a fake SendGrid while workers, Redis or PostgreSQL crash mid-send."
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("--faults", default=",".join(FAULTS), help=f"comma-separated, of {', '.join(FAULTS)}")
        parser.add_argument("--leads", type=int, default=3000)
        parser.add_argument("--latency", type=float, default=1.5, help="seconds the fake provider takes to answer")
        parser.add_argument("--chunk-size", type=int, default=100)
        parser.add_argument("--lease", type=int, default=60, help="CAMPAIGN_SEND_LEASE_SECONDS")
        parser.add_argument("--at", default="0.2,0.6", help="fractions of the messages at which to inject")
        parser.add_argument("--concurrency", type=int, default=4)
        parser.add_argument(
            "--beat-seconds", type=float, default=15.0, help="how often the beat jobs run (CAMPAIGN_RECONCILE_SECONDS)"
        )
        parser.add_argument("--settle", type=int, default=60, help="CAMPAIGN_UNKNOWN_SETTLE_SECONDS")
        parser.add_argument("--log-lag", type=float, default=5.0, help="seconds before the fake's log shows a message")
        parser.add_argument("--resend", action="store_true", help="CAMPAIGN_UNKNOWN_NOT_FOUND=resend")
        parser.add_argument("--timeout", type=float, default=600.0, help="seconds to wait per fault")
        # The processes the command starts run it in these roles, in the chaos environment.
        parser.add_argument("--driver", choices=["seed", "beat", "report"], help="(internal)")
        parser.add_argument("campaign", nargs="?", help="(internal)")

    def handle(self, *args, **options):
        if options["driver"]:
            {"seed": driver_seed, "beat": driver_beat, "report": driver_report}[options["driver"]](options)
            return
        faults = [f.strip() for f in options["faults"].split(",") if f.strip()]
        unknown = set(faults) - set(FAULTS)
        if unknown:
            raise CommandError(f"unknown faults: {', '.join(sorted(unknown))} (choose from {', '.join(FAULTS)})")
        results = run_chaos(
            faults=faults,
            say=self.stdout.write,
            leads=options["leads"],
            latency=options["latency"],
            chunk_size=options["chunk_size"],
            lease=options["lease"],
            at=tuple(float(x) for x in options["at"].split(",")),
            concurrency=options["concurrency"],
            beat_seconds=options["beat_seconds"],
            settle=options["settle"],
            log_lag=options["log_lag"],
            resend=options["resend"],
            timeout=options["timeout"],
        )
        self.stdout.write(table(results))
