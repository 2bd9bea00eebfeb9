"""Benchmark every list endpoint of the API: query count at two page sizes (no N+1) and latency.

    manage.py bench_api [--reps 30] [--email bench@salesone.kr]

Creates, once and idempotently, in the database of DATABASE_URL (a development database, never a test
one): one user with 10,000 leads and 200 clients, each with notes, small files, products, activities,
a logged e-mail with an attachment and tasks (some with workflow executions); 100 lead lists of 200
leads each and 500 opportunities with their status history, so those lists are not measured empty. Then it finds every
router ``-list`` route under /api/ that takes no path argument (so new endpoints are measured without
editing this file), and for each one requests page_size=20 and page_size=100 through Django's test
client with a real JWT: the number of SQL queries of each (they must be equal), and the median and
95th percentile latency of ``--reps`` requests. DEBUG is off while timing, as in production; the user
throttle is raised so the benchmark measures the endpoints, not the rate limit (its Redis round trip
is still paid).
"""

from __future__ import annotations

import datetime
import os
import random
import time

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client as DjangoClient
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.throttling import UserRateThrottle
from rest_framework_simplejwt.tokens import RefreshToken

from apps.accounts.models import User
from apps.clients.models import (
    Client,
    ClientActivity,
    ClientEmail,
    ClientEmailAttachment,
    ClientFile,
    ClientNote,
    ClientProduct,
)
from apps.leads.models import Lead, LeadList
from apps.opportunities.models import Opportunity, OpportunityStatusChange
from apps.tasks.models import Task
from apps.workflows.models import Workflow, WorkflowExecution
from bench.harness import Column, Table, timed

LEADS = 10_000
CLIENTS = 200
LEAD_LISTS, LEADS_PER_LIST = 100, 200
OPPORTUNITIES = 500
PAGE_SIZES = (20, 100)
TARGET_P95_MS = 50.0
TINY_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SI = [
    ("서울특별시", "강남구"),
    ("서울특별시", "마포구"),
    ("경기도", "성남시"),
    ("부산광역시", "해운대구"),
    ("인천광역시", "연수구"),
]
WORDS = ["넥스트", "한빛", "제로", "그린", "미래", "우리", "대한", "스마트", "글로벌", "바른"]
KINDS = ["커머스", "식품", "커뮤니케이션", "테크", "물산", "디자인", "제약", "건설"]


def list_routes() -> list[tuple[str, str]]:
    """(route name, path) of every router list route under /api/ without a path argument."""
    found: list[tuple[str, str]] = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            regex = prefix + str(pattern.pattern.regex.pattern).lstrip("^")
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, regex.rstrip("$"))
            elif isinstance(pattern, URLPattern):
                name = pattern.name or ""
                if not name.endswith("-list") or "(?P<" in regex or not regex.startswith("api/"):
                    continue
                found.append((name, "/" + regex.rstrip("$").replace("\\", "")))

    walk(get_resolver().url_patterns, "")
    return sorted(set(found), key=lambda item: item[1])


class Command(BaseCommand):
    help = "Query counts (page_size 20 vs 100) and latency of every API list endpoint, on benchmark data."

    def add_arguments(self, parser):
        parser.add_argument("--reps", type=int, default=30, help="Timed requests per endpoint and page size")
        parser.add_argument("--email", default="bench@salesone.kr", help="The benchmark user")
        parser.add_argument("--only", default="", help="Measure only paths containing this text")

    def handle(self, *args, **options):
        if connection.settings_dict["NAME"].startswith("test_"):
            raise CommandError("bench_api writes benchmark data: point DATABASE_URL at a development database.")
        user = self.ensure_data(options["email"])
        self.measure(user, options["reps"], options["only"])

    # --- data ----------------------------------------------------------------------------------------

    def ensure_data(self, email: str) -> User:
        user, _ = User.objects.get_or_create(email=email, defaults={"first_name": "벤치", "last_name": "김"})
        started = time.perf_counter()
        missing = LEADS - Lead.objects.filter(user=user).count()
        if missing > 0:
            rng = random.Random(missing)
            leads = []
            for i in range(missing):
                si_nm, sgg_nm = rng.choice(SI)
                leads.append(
                    Lead(
                        user=user,
                        name=f"{rng.choice(WORDS)}{rng.choice(KINDS)}{i}(주)",
                        owner=rng.choice(["김민준", "이서연", "박지호", "최유나"]),
                        email=f"contact{i}@bench{i % 997}.co.kr",
                        phone=f"02-{1000 + i % 9000}-{1000 + (i * 7) % 9000}",
                        employee=rng.randint(1, 500),
                        revenue=rng.randint(10, 50_000) * 1_000_000,
                        si_nm=si_nm,
                        sgg_nm=sgg_nm,
                        address=f"{si_nm} {sgg_nm} 테헤란로 {i % 500}",
                        established_date=datetime.date(1990 + i % 34, 1 + i % 12, 1 + i % 28),
                    )
                )
            Lead.objects.bulk_create(leads, batch_size=2000)
        have = Client.objects.filter(user=user).count()
        if have < CLIENTS:
            workflow, _ = Workflow.objects.get_or_create(user=user, name="벤치마크 세금계산서 발행")
            for i in range(have, CLIENTS):
                with transaction.atomic():
                    self.create_client(user, i, workflow)
        created_more = self.ensure_lists_and_opportunities(user)
        if missing > 0 or have < CLIENTS or created_more:
            # Fresh planner statistics, as autovacuum would give a long-lived database.
            with connection.cursor() as cursor:
                for model in (
                    Lead,
                    LeadList,
                    Opportunity,
                    OpportunityStatusChange,
                    Client,
                    ClientNote,
                    ClientFile,
                    ClientActivity,
                    ClientProduct,
                    ClientEmail,
                    Task,
                ):
                    cursor.execute(f'ANALYZE "{model._meta.db_table}"')
        leads = Lead.objects.filter(user=user).count()
        clients = Client.objects.filter(user=user).count()
        self.stdout.write(f"data: {leads:,} leads, {clients} clients ({time.perf_counter() - started:.1f}s)")
        return user

    @transaction.atomic
    def ensure_lists_and_opportunities(self, user: User) -> bool:
        """Lead lists and opportunities (with a creation and a move in their history); True if made."""
        lead_ids = list(Lead.objects.filter(user=user).order_by("created_at", "id").values_list("id", flat=True))
        created = False
        have = LeadList.objects.filter(user=user).count()
        if have < LEAD_LISTS:
            LeadList.objects.bulk_create(
                [
                    LeadList(
                        user=user,
                        name=f"{SI[i % len(SI)][0]} 잠재고객 {i}",
                        description="벤치마크 리스트",
                        lead_ids=[lead_ids[(i * 97 + n) % len(lead_ids)] for n in range(LEADS_PER_LIST)],
                    )
                    for i in range(have, LEAD_LISTS)
                ]
            )
            created = True
        have = Opportunity.objects.filter(user=user).count()
        if have < OPPORTUNITIES:
            statuses = Opportunity.Status.values
            today = timezone.localdate()
            opportunities = Opportunity.objects.bulk_create(
                [
                    Opportunity(
                        user=user,
                        name=f"{WORDS[i % 10]}{KINDS[i % 8]} 광고 제안 {i}",
                        source=["website", "campaign", "referral"][i % 3],
                        status=statuses[1 + i % (len(statuses) - 1)],
                        value=(1 + i % 50) * 1_000_000,
                        expected_close_date=today + datetime.timedelta(days=i % 90),
                        lead_id=lead_ids[i % len(lead_ids)],
                    )
                    for i in range(have, OPPORTUNITIES)
                ]
            )
            now = timezone.now()
            changes = []
            for opportunity in opportunities:
                changes.append(
                    OpportunityStatusChange(
                        opportunity=opportunity,
                        to_status=Opportunity.Status.NEW,
                        changed_at=now - datetime.timedelta(days=7),
                        user=user,
                    )
                )
                changes.append(
                    OpportunityStatusChange(
                        opportunity=opportunity,
                        from_status=Opportunity.Status.NEW,
                        to_status=opportunity.status,
                        note="고객 미팅 후 단계 변경",
                        changed_at=now,
                        user=user,
                    )
                )
            OpportunityStatusChange.objects.bulk_create(changes)
            created = True
        return created

    def create_client(self, user: User, i: int, workflow: Workflow) -> None:
        now = timezone.now()
        today = timezone.localdate()
        client = Client.objects.create(
            user=user,
            name=f"{WORDS[i % 10]}{KINDS[i % 8]} {i}(주)",
            representative_name="유창해",
            emails=[f"admin{i}@client{i}.co.kr"],
            phones=["010-2451-3612"],
            address="경기도 고양시 덕양구 통일로 140",
            website=f"client{i}.co.kr",
            business_number=f"{100 + i:03d}-45-67890",
        )
        notes = ClientNote.objects.bulk_create(
            [ClientNote(client=client, user=user, title=f"미팅 메모 {n}", content="협업 방안 논의") for n in range(3)]
        )
        for n in range(2):
            client_file = ClientFile(
                client=client,
                user=user,
                name=f"계약서_{n}.pdf",
                size=len(TINY_PDF),
                content_type="application/pdf",
            )
            client_file.file.save(f"contract_{n}.pdf", ContentFile(TINY_PDF), save=False)
            client_file.save()
        ClientActivity.objects.bulk_create(
            [
                ClientActivity(
                    client=client,
                    user=user,
                    type=[ClientActivity.Type.MEETING, ClientActivity.Type.CALL, ClientActivity.Type.EMAIL][n],
                    title=f"활동 {n}",
                    scheduled_at=now - datetime.timedelta(days=n * 7),
                    duration_minutes=30,
                    status=ClientActivity.Status.COMPLETED,
                    note=notes[n],
                )
                for n in range(3)
            ]
        )
        ClientProduct.objects.bulk_create(
            [
                ClientProduct(
                    client=client,
                    user=user,
                    name="네이버 검색 CPC 광고",
                    plan_type="매월결제",
                    price=2_500_000,
                    start_date=today - datetime.timedelta(days=60),
                    next_billing_date=today + datetime.timedelta(days=10),
                ),
                ClientProduct(
                    client=client,
                    user=user,
                    name="SNS 마케팅 패키지",
                    plan_type="일반결제",
                    price=1_500_000,
                    start_date=today - datetime.timedelta(days=300),
                    end_date=today - datetime.timedelta(days=100),
                    status=ClientProduct.Status.COMPLETED,
                ),
            ]
        )
        email = ClientEmail.objects.create(
            client=client, user=user, subject="미팅 후속 안내", from_email=user.email, to_email=client.emails[0]
        )
        attachment = ClientEmailAttachment(
            email=email, name="proposal.pdf", size=len(TINY_PDF), content_type="application/pdf"
        )
        attachment.file.save("proposal.pdf", ContentFile(TINY_PDF), save=False)
        attachment.save()
        tasks = Task.objects.bulk_create(
            [
                Task(
                    name=f"업무 {n}",
                    body="벤치마크 업무",
                    client=client,
                    assignee=user,
                    created_by=user,
                    due_date=today + datetime.timedelta(days=n * 5 - 5),
                    status=[
                        Task.Status.NOT_STARTED,
                        Task.Status.IN_PROGRESS,
                        Task.Status.COMPLETED,
                        Task.Status.NOT_STARTED,
                    ][n],
                    workflow_ids=[workflow.pk] if n == 0 else [],
                )
                for n in range(4)
            ]
        )
        WorkflowExecution.objects.bulk_create(
            [
                WorkflowExecution(workflow=workflow, task=tasks[0], status=WorkflowExecution.Status.COMPLETED)
                for _ in range(2)
            ]
        )

    # --- measurement ---------------------------------------------------------------------------------

    def measure(self, user: User, reps: int, only: str) -> None:
        token = str(RefreshToken.for_user(user).access_token)
        http = DjangoClient(HTTP_AUTHORIZATION=f"Bearer {token}", SERVER_NAME="127.0.0.1")
        routes = [(name, path) for name, path in list_routes() if only in path]
        original_rate, original_debug = getattr(UserRateThrottle, "rate", None), settings.DEBUG
        UserRateThrottle.rate = "1000000/min"
        rows = []
        try:
            for _name, path in routes:
                rows.append(self.measure_route(http, path, reps))
        finally:
            UserRateThrottle.rate = original_rate
            settings.DEBUG = original_debug

        table = Table(
            Column("endpoint", 44, align="<"),
            Column("rows", 6),
            Column("q@20", 5),
            Column("q@100", 5),
            Column("N+1", 4),
            Column("p50@20", 7, ".1f"),
            Column("p95@20", 7, ".1f"),
            Column("p50@100", 8, ".1f"),
            Column("p95@100", 8, ".1f"),
            Column("cpu@100", 8, ".1f"),
            write=self.stdout.write,
        )
        self.stdout.write(
            f"\nload average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs. cpu@100: median Python CPU time "
            "per request at page_size 100, PostgreSQL excluded (less sensitive to other processes than wall time)"
        )
        self.stdout.write(
            f"{reps} timed requests per endpoint and page size; milliseconds; target p95 < {TARGET_P95_MS:.0f} ms"
        )
        table.header()
        slow, leaking = [], []
        for row in rows:
            if row.get("error"):
                self.stdout.write(f"{table.format_row(row['path'])} {row['error']}")
                continue
            equal = row["queries"][20] == row["queries"][100]
            if not equal:
                leaking.append(row["path"])
            if max(row["p95"].values()) > TARGET_P95_MS:
                slow.append(row["path"])
            table.row(
                row["path"],
                row["count"],
                row["queries"][20],
                row["queries"][100],
                "no" if equal else "YES",
                row["p50"][20],
                row["p95"][20],
                row["p50"][100],
                row["p95"][100],
                row["cpu"],
            )
        self.stdout.write("")
        self.stdout.write(f"query counts differ (N+1): {', '.join(leaking) or 'none'}")
        self.stdout.write(f"p95 over {TARGET_P95_MS:.0f} ms: {', '.join(slow) or 'none'}")

    def measure_route(self, http: DjangoClient, path: str, reps: int) -> dict:
        row: dict = {"path": path, "queries": {}, "p50": {}, "p95": {}}
        for size in PAGE_SIZES:
            settings.DEBUG = False
            http.get(path, {"page_size": size})  # warm caches and connections
            with CaptureQueriesContext(connection) as queries:
                response = http.get(path, {"page_size": size})
            if response.status_code != 200:
                row["error"] = f"HTTP {response.status_code}: {response.content[:120]!r}"
                return row
            body = response.json()
            row["count"] = body.get("count", len(body) if isinstance(body, list) else 0)
            row["queries"][size] = len(queries)
            timings = timed(lambda size=size: http.get(path, {"page_size": size}), repeat=reps)
            row["p50"][size] = timings.median
            row["cpu"] = timings.cpu_median  # of the last page size: this process's own work
            row["p95"][size] = timings.p95
        return row
