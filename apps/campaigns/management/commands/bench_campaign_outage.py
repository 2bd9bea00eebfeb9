"""Benchmark: a campaign sent through database outages (issue 25 §1).

Starts a PostgreSQL server of its own (initdb into a temporary directory, a free loopback port),
migrates it, and sends a campaign (default 3,000 leads, chunks of 100, fake SendGrid answering in
1.5 s) with a real Celery worker, while the server is stopped with ``pg_ctl stop -m immediate`` for a
few seconds, twice, mid-send. A thread plays the beat's reconcile job. Prints how long the campaign
took to complete after the database came back, the rows by status, and the fake provider's count of
messages per address (none twice, none missing). The shared servers are not touched: the broker is
REDIS_URL (use a Redis database of your own).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import psycopg
import redis
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection
from django.db.models import Count

from apps.accounts.models import User
from apps.campaigns.models import Campaign, CampaignLeadResult, CampaignTemplate
from apps.campaigns.services import campaign_start, campaigns_reconcile
from apps.leads.models import Lead, LeadList
from services.email.fakes import FakeSendGrid

from .bench_campaign_send import BODY, TITLE, WorkerPool

ROOT = Path(settings.BASE_DIR)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OwnPostgres:
    """A throw-away PostgreSQL server on 127.0.0.1:<free port>, data in a temporary directory."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="bench-outage-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            shutil.chown(self.dir, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        self.start()

    def _run(self, *command: str) -> None:
        subprocess.run([*self.as_postgres, *command], check=True, capture_output=True)

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off -c max_connections=50"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"), "-w", "start")

    def stop_immediate(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


def _retrying(fn, *, timeout: float = 120.0):
    """Run a read of this process through an outage: reconnect until the server answers."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            close_old_connections()
            return fn()
        except Exception:
            connection.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


class Command(BaseCommand):
    help = "Benchmark a campaign sent through PostgreSQL outages (see the module docstring)."

    def add_arguments(self, parser):
        parser.add_argument("--leads", type=int, default=3000)
        parser.add_argument("--chunk", type=int, default=100)
        parser.add_argument("--latency", type=float, default=1.5, help="Fake SendGrid latency in seconds.")
        parser.add_argument("--outages", type=int, default=2)
        parser.add_argument("--outage-seconds", type=float, default=3.0)
        parser.add_argument("--concurrency", type=int, default=2, help="Worker pool processes.")
        parser.add_argument("--timeout", type=float, default=600.0)

    def handle(self, *args, **options):
        started = time.monotonic()
        server = OwnPostgres()
        fake = FakeSendGrid(latency=options["latency"], record_bodies=False)
        worker = None
        stop_beat = threading.Event()
        try:
            self._point_at(server, options)
            env = self._worker_env(server, fake, options)
            self._purge_broker()
            campaign = self._campaign(options["leads"])
            setup = time.monotonic() - started
            self.stdout.write(
                f"bench_campaign_outage: {options['leads']:,} leads, chunks of {options['chunk']}, fake SendGrid at "
                f"{options['latency']} s, own PostgreSQL on :{server.port} (set up in {setup:.0f} s), "
                f"{options['outages']} x pg_ctl stop -m immediate for {options['outage_seconds']} s"
            )
            worker = WorkerPool(concurrency=options["concurrency"], env=env, log_dir=ROOT / "var")
            beat = threading.Thread(target=self._beat, args=(stop_beat,), daemon=True)
            beat.start()
            sending_since = time.monotonic()
            campaign_start(campaign=campaign)
            back_at = None
            for number in range(1, options["outages"] + 1):
                target = options["leads"] * number // (options["outages"] + 1)
                while fake.received_count < target:
                    if time.monotonic() - sending_since > options["timeout"]:
                        raise CommandError("the campaign stalled before the outage")
                    time.sleep(0.05)
                server.stop_immediate()
                down_at = time.monotonic()
                self.stdout.write(f"outage {number}: PostgreSQL stopped at {fake.received_count:,} received")
                time.sleep(options["outage_seconds"])
                server.start()
                back_at = time.monotonic()
                self.stdout.write(f"outage {number}: PostgreSQL back after {back_at - down_at:.1f} s")
            while _retrying(lambda: Campaign.objects.get(pk=campaign.pk).status) != Campaign.Status.COMPLETED:
                if time.monotonic() - sending_since > options["timeout"]:
                    raise CommandError("the campaign did not complete in time")
                time.sleep(0.1)
            done_at = time.monotonic()
            statuses = Counter(
                dict(
                    _retrying(
                        lambda: list(
                            CampaignLeadResult.objects.filter(campaign=campaign)
                            .values_list("status")
                            .annotate(n=Count("id"))
                        )
                    )
                )
            )
        finally:
            stop_beat.set()
            if worker is not None:
                worker.stop()
            fake.stop()
            connection.close()
            server.destroy()
        self._report(fake, options, statuses, sending_since, back_at, done_at, worker)

    # -- setup ------------------------------------------------------------------------------------

    def _point_at(self, server: OwnPostgres, options) -> None:
        name = "bench_outage"
        with psycopg.connect(server.url("postgres"), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        env = {**os.environ, "DATABASE_URL": server.url(name)}
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
        connection.close()
        connection.settings_dict.update({"NAME": name, "HOST": "127.0.0.1", "PORT": server.port, "USER": "postgres"})
        settings.CAMPAIGN_CHUNK_SIZE = options["chunk"]
        self.database_url = server.url(name)

    def _worker_env(self, server: OwnPostgres, fake: FakeSendGrid, options) -> dict:
        env = os.environ.copy()
        env.update(
            {
                "DEBUG": "false",
                "PYTHONUNBUFFERED": "1",
                "DATABASE_URL": self.database_url,
                "EMAIL_PROVIDERS": "sendgrid",
                "SENDGRID_API_HOST": fake.url,
                "SENDGRID_API_KEY": fake.api_key,
                "EMAIL_PROVIDER_RATE_LIMITS": '{"sendgrid": [1000000, 1000000]}',
                "CAMPAIGN_USER_DAILY_CAP": "0",
                "CAMPAIGN_CHUNK_SIZE": str(options["chunk"]),
            }
        )
        return env

    def _purge_broker(self) -> None:
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        client.delete(*settings.CELERY_TASK_QUEUES_ALL, "unacked", "unacked_index", "unacked_mutex")

    def _campaign(self, count: int) -> Campaign:
        user = User.objects.create_user(email="outage@salesone.bench", password=uuid.uuid4().hex, last_name="벤치")
        Lead.objects.bulk_create(
            Lead(user=user, name=f"(주)벤치{i}", owner="김민준", email=f"ceo{i}@bench{i % 97}.example.kr")
            for i in range(count)
        )
        ids = list(Lead.objects.filter(user=user).values_list("id", flat=True))
        lead_list = LeadList.objects.create(user=user, name="outage", lead_ids=ids)
        template = CampaignTemplate.objects.create(user=user, name="outage", title=TITLE, body=BODY)
        campaign = Campaign.objects.create(user=user, template=template, name="outage", sender_name="(주)세일즈원")
        campaign.leadlists.set([lead_list])
        return campaign

    def _beat(self, stop: threading.Event) -> None:
        """The beat's reconcile job, every CAMPAIGN_RECONCILE_SECONDS; a run the outage breaks is skipped."""
        while not stop.wait(settings.CAMPAIGN_RECONCILE_SECONDS):
            try:
                close_old_connections()
                report = campaigns_reconcile()
                if any(report.values()):
                    self.stdout.write(f"reconcile: {report}")
            except Exception as exc:
                connection.close()
                self.stdout.write(f"reconcile skipped: {type(exc).__name__}")

    # -- report -----------------------------------------------------------------------------------

    def _report(self, fake, options, statuses, sending_since, back_at, done_at, worker) -> None:
        log = worker.log_path.read_text() if worker is not None else ""
        self.stdout.write(
            f"campaign completed {done_at - sending_since:.1f} s after it started; rows: {dict(statuses)}"
        )
        if back_at is not None:
            self.stdout.write(f"completed {done_at - back_at:.1f} s after PostgreSQL came back the last time")
        received = Counter(fake.recipients())
        twice = sum(1 for n in received.values() if n > 1)
        self.stdout.write(
            f"received {sum(received.values()):,} messages for {len(received):,} addresses, {twice} twice"
        )
        self.stdout.write(
            f"task retries on connection errors: {log.count(' meets ')}, settles spooled: "
            f"{log.count('spooled to Redis')}, settle attempts that waited: {log.count('waits for the database')}"
        )
        if twice or len(received) != options["leads"] or set(statuses) != {CampaignLeadResult.Status.SENT}:
            raise CommandError("a lead was e-mailed twice or not at all, or a row is not sent")
