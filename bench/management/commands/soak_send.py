"""Soak: one large campaign (1,000,000 leads by default) sent by real Celery workers through the
SendGrid provider into a fake SendGrid on 127.0.0.1, while the workers are restarted every
``--restart-every`` seconds (SIGTERM: a deploy's warm shutdown; ``--signal KILL``: a crash). This
process plays beat: it runs the reconcile job every CAMPAIGN_RECONCILE_SECONDS, as production does.

It prints, at the end: the sendable leads, what the fake provider received, duplicates (a lead
e-mailed twice: must be 0), losses (a sendable lead neither received nor held as "outcome unknown":
must be 0), "outcome unknown" rows (only after a KILL: held for a person, never resent), the
restarts, and e-mails/s from start to completion. Exits non-zero on a duplicate or a loss.

Uses the database and Redis of the environment (DATABASE_URL, REDIS_URL, CELERY_BROKER_URL): run it
against your own. The soak user's leads are created once and kept (``--leads`` more are added when
needed); each run drops the soak user's earlier campaigns first.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import uuid

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from apps.accounts.models import User
from apps.campaigns.models import Campaign, CampaignLeadResult, CampaignTemplate
from apps.campaigns.services import campaign_start, campaigns_reconcile
from apps.leads.models import Lead, LeadList
from bench.harness import LOG_DIR, BenchError, WorkerPool, fake_sendgrid, sendgrid_worker_env

SOAK_EMAIL = "soak@salesone.bench"
TITLE = "{{ company.owner }} 대표님, 안녕하세요"
BODY = "<p>{{ company.name }} {{ company.owner }} 대표님께,</p><p>광고 제안을 드립니다.</p>"
R = CampaignLeadResult.Status


class Command(BaseCommand):
    help = "A large campaign while the workers restart every minute: duplicates, losses and rate."

    def add_arguments(self, parser):
        parser.add_argument("--leads", type=int, default=1_000_000)
        parser.add_argument("--restart-every", type=float, default=60.0, help="Seconds between worker restarts.")
        parser.add_argument("--signal", choices=["TERM", "KILL"], default="TERM", help="How a worker is stopped.")
        parser.add_argument("--concurrency", type=int, default=2, help="Pool processes of the worker.")
        parser.add_argument("--latency", type=float, default=0.005, help="Fake SendGrid latency in seconds.")
        parser.add_argument("--timeout", type=float, default=3600.0, help="Give up after this many seconds.")

    def handle(self, *args, **options):
        user = User.objects.filter(email=SOAK_EMAIL).first() or User.objects.create_user(
            email=SOAK_EMAIL, password=uuid.uuid4().hex, last_name="소크"
        )
        self._ensure_leads(user, options["leads"])
        self._drop_previous_runs(user)
        ids = list(Lead.objects.filter(user=user).order_by("created_at", "id").values_list("id", flat=True))
        lead_list, _ = LeadList.objects.update_or_create(
            user=user, name="soak", defaults={"lead_ids": ids[: options["leads"]]}
        )
        template, _ = CampaignTemplate.objects.update_or_create(
            user=user, name="soak", defaults={"title": TITLE, "body": BODY}
        )
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) campaigns_campaignleadresult")
        fake = fake_sendgrid(record_bodies=False)
        fake.latency = options["latency"]
        env = sendgrid_worker_env(fake)
        self.stdout.write(
            f"soak_send: {options['leads']:,} leads, a worker of {options['concurrency']} processes restarted "
            f"(SIG{options['signal']}) every {options['restart_every']:.0f} s, chunks of "
            f"{settings.CAMPAIGN_CHUNK_SIZE}, fake SendGrid at {fake.url} ({options['latency'] * 1000:.0f} ms)"
        )
        workers = self._start_workers(env, options["concurrency"])
        restarts = 0
        try:
            campaign = Campaign.objects.create(user=user, template=template, name="soak", sender_name="(주)세일즈원")
            campaign.leadlists.set([lead_list])
            started = time.monotonic()
            campaign_start(campaign=campaign)
            next_restart = started + options["restart_every"]
            next_reconcile = started + settings.CAMPAIGN_RECONCILE_SECONDS
            while True:
                now = time.monotonic()
                status = Campaign.objects.filter(pk=campaign.pk).values_list("status", flat=True).get()
                if status in (Campaign.Status.COMPLETED, Campaign.Status.FAILED):
                    break
                if now - started > options["timeout"]:
                    raise CommandError("the campaign did not complete in time")
                if now >= next_restart:
                    self._stop(workers, options["signal"])
                    workers = self._start_workers(env, options["concurrency"])
                    restarts += 1
                    self.stdout.write(f"  restart {restarts} at {now - started:.0f} s: {self._progress(campaign)}")
                    next_restart = time.monotonic() + options["restart_every"]
                if now >= next_reconcile:
                    campaigns_reconcile()
                    next_reconcile = now + settings.CAMPAIGN_RECONCILE_SECONDS
                time.sleep(0.5)
            elapsed = time.monotonic() - started
        finally:
            workers.stop()
            fake.stop()
        self._report(campaign, fake, restarts, elapsed)

    # -- setup ------------------------------------------------------------------------------------

    def _ensure_leads(self, user: User, count: int) -> None:
        have = Lead.objects.filter(user=user).count()
        if have >= count:
            return
        started = time.monotonic()
        for first in range(have, count, 10_000):
            Lead.objects.bulk_create(
                [
                    Lead(user=user, name=f"(주)소크컴퍼니{i}", owner="김민준", email=f"ceo{i}@soak{i % 997}.example.kr")
                    for i in range(first, min(first + 10_000, count))
                ]
            )
        self.stdout.write(f"created {count - have:,} soak leads in {time.monotonic() - started:.0f} s")

    def _drop_previous_runs(self, user: User) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM campaigns_campaignleadresult WHERE campaign_id IN "
                "(SELECT id FROM campaigns_campaign WHERE user_id = %s)",
                [user.pk],
            )
        Campaign.objects.filter(user=user).delete()

    @staticmethod
    def _stop(workers: WorkerPool, how: str) -> None:
        """TERM: to the worker's main process, as ``docker stop`` or systemd does: a warm shutdown that
        finishes the running chunks and hands the others back. KILL: the whole process group at once."""
        if how == "KILL":
            os.killpg(workers.process.pid, signal.SIGKILL)
        else:
            workers.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                workers.process.wait(timeout=120)
        workers.stop()

    def _start_workers(self, env: dict, concurrency: int) -> WorkerPool:
        try:
            return WorkerPool(concurrency=concurrency, env=env, log_dir=LOG_DIR, name="soak-worker")
        except BenchError as exc:
            raise CommandError(str(exc)) from exc

    # -- the report -------------------------------------------------------------------------------

    @staticmethod
    def _progress(campaign: Campaign) -> str:
        sent = CampaignLeadResult.objects.filter(campaign=campaign, status=R.SENT).count()
        return f"{sent:,} sent"

    def _report(self, campaign: Campaign, fake, restarts: int, elapsed: float) -> None:
        rows = CampaignLeadResult.objects.filter(campaign=campaign)
        by_status = {status: rows.filter(status=status).count() for status in R}
        received = [message.to for message in fake.messages]
        unique = set(received)
        duplicates = len(received) - len(unique)
        unknown_emails = set(rows.filter(status=R.UNKNOWN).values_list("email", flat=True))
        sendable = set(rows.exclude(status=R.FAILED).values_list("email", flat=True))
        lost = len(sendable - unique - unknown_emails)
        status = Campaign.objects.filter(pk=campaign.pk).values_list("status", flat=True).get()
        self.stdout.write(
            f"campaign {status} in {elapsed:.0f} s after {restarts} worker restarts; "
            f"{len(sendable):,} sendable rows, fake SendGrid received {len(received):,} "
            f"({len(unique):,} distinct addresses)"
        )
        self.stdout.write(", ".join(f"{name}: {count:,}" for name, count in by_status.items() if count))
        self.stdout.write(
            f"duplicates: {duplicates}  losses: {lost}  outcome unknown (held, not resent): {len(unknown_emails)}  "
            f"rate: {by_status[R.SENT] / elapsed:,.0f} e-mails/s start→completed"
        )
        if duplicates or lost:
            raise CommandError("a lead was e-mailed twice or lost")
        finished = timezone.now().isoformat(timespec="seconds")
        self.stdout.write(f"soak ok ({finished})")
