"""Benchmark of the lead score (issue 20): rescoring N leads in one statement.

    manage.py bench_lead_scoring [--leads 100000] [--engaged 0.3] [--repeat 3]

Inside one transaction that is rolled back at the end (nothing is left behind), it creates one user
with an ideal-customer profile and N leads across 20 industries and 4 regions; a share of them
(``--engaged``) gets a sent campaign result and 1–6 tracking events (human and machine opens,
clicks, replies, bounces, unsubscribes) spread over 90 days. It then times
``apps.intelligence.scoring.leads_rescore`` over all of the user's leads (the nightly job's
statement, one per user): the first scoring (every lead's terms and score written), ``--repeat``
rescorings on later nights (every lead computed, the terms that decayed rewritten), rescorings where
nothing moved; and over 1,000 engaged leads (the per-minute job's). Before each run it times a
same-run baseline, a bare ``count(*)`` of the user's events through their results and leads, and
prints the median of each, their ratio and the load average (the figures scale with what else runs).
Issue 20's target: 100,000 leads in 10 s or less. Nothing is asserted.
"""

import os
import random
import statistics
import time
import uuid
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.campaigns.models import Campaign, CampaignLeadResult, CampaignTemplate
from apps.intelligence.models import IdealCustomerProfile
from apps.intelligence.scoring import leads_rescore
from apps.leads.models import Lead
from apps.salesone_leads.models import Industry
from apps.tracking.models import TrackingEvent
from bench.harness import Column, Table, timed

KINDS = ["open", "open", "open", "click", "click", "reply", "bounce", "unsubscribe"]
BASELINE_SQL = """
SELECT count(*)
  FROM leads_lead l
  JOIN campaigns_campaignleadresult r ON r.lead_id = l.id
  JOIN tracking_trackingevent e ON e.result_id = r.id
 WHERE l.user_id = %s
"""


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time the set-based rescoring of N leads (issue 20 target: 100,000 in 10 s); rolled back."

    def add_arguments(self, parser):
        parser.add_argument("--leads", type=int, default=100_000)
        parser.add_argument("--engaged", type=float, default=0.3, help="share of leads with tracking events")
        parser.add_argument("--repeat", type=int, default=3, help="timed rescorings of each kind")

    def handle(self, *args, leads: int, engaged: float, repeat: int, **options):
        try:
            with transaction.atomic():
                self._run(leads, engaged, repeat)
                raise _Rollback
        except _Rollback:
            self.stdout.write("(all benchmark data rolled back)")

    def _run(self, lead_count: int, engaged_share: float, repeat: int) -> None:
        rng = random.Random(20)
        started = time.perf_counter()
        user = User.objects.create_user(email=f"bench-{uuid.uuid4().hex[:8]}@example.co.kr", password=None)
        industries = [
            Industry.objects.get_or_create(code=f"J62BENCH{n:02d}", defaults={"name": f"벤치 업종 {n}"})[0]
            for n in range(20)
        ]
        IdealCustomerProfile.objects.create(
            user=user, industry_codes=["J62BENCH0"], regions=["서울특별시"], revenue_min=10**9, employee_max=300
        )
        regions = ["서울특별시", "경기도", "부산광역시", "대구광역시"]
        Lead.objects.bulk_create(
            [
                Lead(
                    user=user,
                    name=f"주식회사 벤치{n}",
                    email=f"ceo{n}@bench{n}.co.kr",
                    business_number=f"{n:010d}",
                    corporation_number=f"{n:013d}",
                    employee=rng.randint(1, 500),
                    revenue=rng.randint(10**8, 10**11),
                    si_nm=rng.choice(regions),
                    industry=rng.choice(industries),
                    business_status=rng.choice(["", "active", "active", "closed"]),
                )
                for n in range(lead_count)
            ],
            batch_size=5000,
        )
        lead_rows = list(Lead.objects.filter(user=user).values_list("id", "email"))
        engaged = rng.sample(lead_rows, int(len(lead_rows) * engaged_share))
        template = CampaignTemplate.objects.create(user=user, name="벤치", title="t", body="b")
        campaign = Campaign.objects.create(user=user, name="벤치 캠페인", template=template, status="completed")
        results = CampaignLeadResult.objects.bulk_create(
            [
                CampaignLeadResult(campaign=campaign, lead_id=lead_id, email=email, status="sent", sent=True, chunk=0)
                for lead_id, email in engaged
            ],
            batch_size=5000,
        )
        now = timezone.now()
        events = [
            TrackingEvent(
                result=result,
                campaign=campaign,
                kind=kind,
                occurred_at=now - timedelta(days=rng.uniform(0, 90)),
                email=result.email,
                source=TrackingEvent.Source.PIXEL,
                is_machine=kind == "open" and rng.random() < 0.3,
                event_key=uuid.uuid4().hex,
            )
            for result in results
            for kind in rng.choices(KINDS, k=rng.randint(1, 6))
        ]
        TrackingEvent.objects.bulk_create(events, batch_size=5000)
        self.stdout.write(
            f"data: {lead_count} leads, {len(results)} engaged, {len(events)} tracking events "
            f"({time.perf_counter() - started:.1f}s)"
        )
        recent_ids = [lead_id for lead_id, _ in engaged[:1000]]
        table = Table(
            Column("rescoring", 52, align="<"),
            Column("leads", 8),
            Column("written", 8),
            Column("median s", 9, ".3f"),
            Column("max s", 7, ".3f"),
            Column("baseline s", 10, ".3f"),
            Column("ratio", 6, ".1f"),
            write=self.stdout.write,
        )
        table.header()

        def baseline() -> None:
            # The same run's floor: one bare pass over the user's events through their results and
            # leads (the joins the score needs, nothing computed), so the figures read on a loaded machine.
            with connection.cursor() as cursor:
                cursor.execute(BASELINE_SQL, [user.pk])
                cursor.fetchone()

        # A later "now" for every nightly run, so each one has decayed terms to write (as each night has).
        nights = iter(range(1, 1 + 2 * repeat))
        cases = (
            ("first scoring, every lead (all terms written)", lambda: leads_rescore(user_id=user.pk, now=now), 1),
            (
                "a later night, every lead (decayed terms written)",
                lambda: leads_rescore(user_id=user.pk, now=now + timedelta(days=next(nights))),
                repeat,
            ),
            (
                "again, every lead (nothing moved)",
                lambda: leads_rescore(user_id=user.pk, now=now + timedelta(days=repeat)),
                repeat,
            ),
            ("1,000 engaged leads (the per-minute job)", lambda: leads_rescore(lead_ids=recent_ids), repeat),
        )
        for label, call, times in cases:
            written, floor = [], []
            wall = []
            for _ in range(times):
                floor.append(timed(baseline, repeat=1).median)
                wall.append(timed(lambda call=call, written=written: written.append(call()), repeat=1).median)
            count = len(recent_ids) if "1,000" in label else lead_count
            median, base = statistics.median(wall) / 1000, statistics.median(floor) / 1000
            table.row(label, count, written[-1], median, max(wall) / 1000, base, median / base if base else 0)
        scored = Lead.objects.filter(user=user, score__isnull=False).count()
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        self.stdout.write(
            f"scored: {scored} of {lead_count} leads; load average {load} on {os.cpu_count()} CPUs; "
            "baseline: a bare count(*) of the user's events through results and leads, timed before each "
            "run; ratio: rescoring / baseline. Issue 20's target: 100,000 in ≤ 10 s"
        )
