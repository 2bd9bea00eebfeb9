"""Benchmark of the leads, lead-lists and opportunities endpoints: query counts and latency.

    manage.py bench_leads [--leads 10000] [--repeat 15]

Inside one transaction that is rolled back at the end (nothing is left behind), it creates one user
with N leads, 50 lead lists (one holding every lead) and 500 opportunities, then requests each list
endpoint through the test client with a real JWT at page_size 20 and 100 and prints the query count
of each (equal counts: no N+1) and the median and p95 latency. It also times add-leads of all N ids
into an empty list (one UPDATE). Figures depend on the machine; nothing is asserted.
"""

import random
import time
import uuid

from django.core.management.base import BaseCommand
from django.db import transaction
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from apps.accounts.models import User
from apps.leads.models import Lead, LeadList
from apps.leads.services import lead_list_add_leads
from apps.leads.tests.queries import count_queries
from apps.opportunities.models import Opportunity
from apps.salesone_leads.models import Industry
from bench.harness import Column, Table, timed


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Query counts and latency of the leads/lead-lists/opportunities endpoints (rolled back)."

    def add_arguments(self, parser):
        parser.add_argument("--leads", type=int, default=10_000)
        parser.add_argument("--repeat", type=int, default=15, help="timed requests per endpoint and page size")

    def handle(self, *args, leads: int, repeat: int, **options):
        try:
            with transaction.atomic():
                self._run(leads, repeat)
                raise _Rollback
        except _Rollback:
            self.stdout.write("(all benchmark data rolled back)")

    def _run(self, lead_count: int, repeat: int) -> None:
        rng = random.Random(7)
        user = User.objects.create_user(email=f"bench-{uuid.uuid4().hex[:8]}@example.co.kr", password=None)
        industries = [
            Industry.objects.get_or_create(code=f"BENCH{n:02d}", defaults={"name": f"벤치 업종 {n}"})[0]
            for n in range(20)
        ]
        regions = [
            ("서울특별시", "강남구"),
            ("서울특별시", "금천구"),
            ("경기도", "성남시 분당구"),
            ("부산광역시", "해운대구"),
        ]
        started = time.perf_counter()
        Lead.objects.bulk_create(
            [
                Lead(
                    user=user,
                    name=f"주식회사 {rng.choice(['넥스', '한빛', '대우', '온누리', '바른'])}{n}",
                    owner=rng.choice(["이경남", "서종렬", "강윤구", "박서연"]),
                    email=f"ceo{n}@company{n}.co.kr" if n % 3 else "",
                    phone=f"02-{n % 9000 + 1000}-{n % 10000:04d}",
                    business_number=f"{n:010d}",
                    corporation_number=f"{n:013d}",
                    employee=rng.randint(1, 500),
                    revenue=rng.randint(10**8, 10**11),
                    si_nm=region[0],
                    sgg_nm=region[1],
                    industry=rng.choice(industries),
                )
                for n in range(lead_count)
                for region in [rng.choice(regions)]
            ],
            batch_size=2000,
        )
        lead_ids = list(Lead.objects.filter(user=user).values_list("id", flat=True))
        lists = LeadList.objects.bulk_create(
            [LeadList(user=user, name=f"리스트 {n}", lead_ids=rng.sample(lead_ids, 200)) for n in range(49)]
        )
        big = LeadList.objects.create(user=user, name="전체", lead_ids=lead_ids)
        lists.append(big)
        statuses = Opportunity.Status.values
        Opportunity.objects.bulk_create(
            [
                Opportunity(
                    user=user,
                    name=f"기회 {n}",
                    status=statuses[n % len(statuses)],
                    source=["website", "campaign", "referral"][n % 3],
                    value=rng.randint(1, 100) * 100_000,
                    lead_id=lead_ids[n],
                )
                for n in range(500)
            ]
        )
        self.stdout.write(
            f"data: {lead_count} leads, {len(lists)} lists, 500 opportunities ({time.perf_counter() - started:.1f}s)"
        )

        client = APIClient(SERVER_NAME="localhost")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
        endpoints = [
            ("/api/leads/", True),
            ("/api/leads/?search=넥스", True),
            ("/api/leads/?si_nm=서울특별시&employee_min=50&has_email=true&ordering=-revenue", True),
            ("/api/lead-lists/", True),
            (f"/api/lead-lists/{big.id}/", True),
            ("/api/opportunities/", True),
            ("/api/opportunities/?status=won&source=campaign", True),
            ("/api/opportunities/pipeline/", False),
        ]
        table = Table(
            Column("endpoint", 80, align="<"),
            Column("size", 4),
            Column("queries", 7),
            Column("median ms", 9, ".1f"),
            Column("p95 ms", 7, ".1f"),
            write=self.stdout.write,
        )
        table.header()
        for url, paged in endpoints:
            for size in (20, 100) if paged else (None,):
                full = url if size is None else f"{url}{'&' if '?' in url else '?'}page_size={size}"
                with count_queries() as queries:
                    response = client.get(full)
                if response.status_code != 200:
                    raise RuntimeError(f"GET {full} → {response.status_code}: {response.content[:300]!r}")
                timings = timed(lambda full=full: client.get(full), repeat=repeat)
                table.row(full, size or "-", len(queries), timings.median, timings.p95)

        empty = LeadList.objects.create(user=user, name="빈 리스트")
        with count_queries() as queries:
            start = time.perf_counter()
            change = lead_list_add_leads(lead_list=empty, lead_ids=lead_ids)
            elapsed = (time.perf_counter() - start) * 1000
        self.stdout.write(
            f"lead_list_add_leads: {change.added} ids in {elapsed:.1f} ms, {len(queries)} queries "
            "(lock, one UPDATE, refresh)"
        )
        victim = lead_ids[0]
        with count_queries() as queries:
            start = time.perf_counter()
            Lead.objects.get(pk=victim).delete()
            elapsed = (time.perf_counter() - start) * 1000
        self.stdout.write(f"delete one lead held by 2+ lists of {lead_count}: {elapsed:.1f} ms, {len(queries)} queries")
