"""Benchmark every list endpoint of the API: query count at two page sizes (no N+1) and latency.

    manage.py bench_api [--reps 30] [--runs 3] [--only PATH] [--email bench@salesone.kr]

Creates, once and idempotently, in the database of DATABASE_URL (a development database, never a test
one): one user with 10,000 leads and 200 clients, each with notes, small files, products, activities,
a logged e-mail with an attachment and tasks (some with workflow executions); 100 lead lists of 200
leads each and 500 opportunities with their status history; then every other list the user owns topped up to
10,000 rows with bulk inserts (ensure_bulk_rows), so no list is measured near-empty. Then it finds every
router ``-list`` route under /api/ that takes no path argument (so new endpoints are measured without
editing this file), and for each one requests page_size=20 and page_size=100 through Django's test
client with a real JWT: the number of SQL queries of each (they must be equal), and the median and
95th percentile latency of ``--reps`` requests, as medians of ``--runs`` runs, each run also timing the
bench's plain 204 view as its baseline (docs/api-lists.md). DEBUG is off while timing, as in production; the user
throttle is raised so the benchmark measures the endpoints, not the rate limit (its Redis round trip
is still paid).
"""

from __future__ import annotations

import datetime
import gc
import os
import random
import statistics
import time

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client as DjangoClient
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken

from apps.accounts.models import User
from apps.campaigns.models import Campaign, CampaignLeadResult, CampaignTemplate
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
from apps.mail.models import OutboxMessage
from apps.opportunities.models import Opportunity, OpportunityStatusChange
from apps.products.models import Product
from apps.salesone_leads.models import ImportJob
from apps.tasks.models import Task
from apps.tracking.models import TrackingEvent
from apps.workflows.models import Workflow, WorkflowExecution
from bench.harness import Column, Table, timed, user_throttle_raised
from common.encrypted_fields import current_keys

LEADS = 10_000
CLIENTS = 200
LEAD_LISTS, LEADS_PER_LIST = 100, 200
OPPORTUNITIES = 500
ROWS = 10_000  # per user and list (issue 18): what bulk_rows tops every owned list up to
PAGE_SIZES = (20, 100)
TARGET_P95_MS = 30.0  # at page_size 100 (issue 18)
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
        parser.add_argument("--runs", type=int, default=3, help="Runs over every endpoint; the table shows medians")

    def handle(self, *args, **options):
        if connection.settings_dict["NAME"].startswith("test_"):
            raise CommandError("bench_api writes benchmark data: point DATABASE_URL at a development database.")
        user = self.ensure_data(options["email"])
        self.measure(user, options["reps"], options["only"], options["runs"])

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
        created_more = self.ensure_bulk_rows(user) or created_more
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
                    CampaignTemplate,
                    Campaign,
                    CampaignLeadResult,
                    TrackingEvent,
                    OutboxMessage,
                    Product,
                    ImportJob,
                    Workflow,
                    WorkflowExecution,
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

    @transaction.atomic
    def ensure_bulk_rows(self, user: User) -> bool:
        """Every other list the user owns topped up to ROWS rows with bulk inserts (True if any was
        made), so no list is measured near-empty. Files are names only: a list never opens them."""
        now, today = timezone.now(), timezone.localdate()
        clients = list(Client.objects.filter(user=user).order_by("created_at", "id")[:CLIENTS])
        workflow = Workflow.objects.filter(user=user).order_by("created_at", "id").first()
        template = CampaignTemplate.objects.filter(user=user).order_by("created_at", "id").first()
        created = False

        def top_up(queryset, build) -> None:
            nonlocal created
            have = queryset.count()
            if have < ROWS:
                queryset.model.objects.bulk_create([build(i) for i in range(have, ROWS)], batch_size=2000)
                created = True

        top_up(
            CampaignTemplate.objects.filter(user=user),
            lambda i: CampaignTemplate(
                user=user, name=f"벤치 템플릿 {i}", title="{{ company.owner }} 대표님", body="<p>안내</p>"
            ),
        )
        template = template or CampaignTemplate.objects.filter(user=user).order_by("created_at", "id").first()
        top_up(
            Campaign.objects.filter(user=user),
            lambda i: Campaign(
                user=user,
                name=f"벤치 캠페인 {i}",
                template=template,
                sender_name="(주)벤치",
                sender_contact="02-123-4567",
            ),
        )
        # Results spread over 100 campaigns, as sent campaigns spread them: all in one campaign made the
        # planner expect 10,000 rows for any campaign and scan the table for each row of a page.
        campaigns = list(Campaign.objects.filter(user=user).order_by("created_at", "id")[:100])
        top_up(
            CampaignLeadResult.objects.filter(campaign__user=user),
            lambda i: CampaignLeadResult(
                campaign=campaigns[i % len(campaigns)],
                email=f"contact{i}@bench{i % 997}.co.kr",
                status=CampaignLeadResult.Status.SENT,
                sent=True,
                sent_at=now,
            ),
        )
        results = list(CampaignLeadResult.objects.filter(campaign__user=user).values_list("id", "campaign_id")[:ROWS])
        top_up(
            TrackingEvent.objects.filter(campaign__user=user),
            lambda i: TrackingEvent(
                result_id=results[i % len(results)][0],
                campaign_id=results[i % len(results)][1],
                kind=TrackingEvent.Kind.OPEN,
                source=TrackingEvent.Source.PIXEL,
                occurred_at=now - datetime.timedelta(seconds=i),
                event_key=f"bench:{user.pk}:{i}",
            ),
        )
        top_up(
            OutboxMessage.objects.filter(to_email=user.email),
            lambda i: OutboxMessage(
                to_email=user.email,
                from_email="noreply@salesone.kr",
                subject=f"업무 알림 {i}",
                category="transactional",
                message_id=f"<bench-{user.pk}-{i}@salesone.kr>",
            ),
        )
        top_up(
            Product.objects.all(),
            lambda i: Product(name=f"벤치 상품 {i}", price=(1 + i % 90) * 10_000, created_by=user),
        )
        top_up(ImportJob.objects.filter(user=user), lambda i: ImportJob(user=user, total=100, processed=100))
        top_up(Workflow.objects.filter(user=user), lambda i: Workflow(user=user, name=f"벤치 워크플로 {i}"))
        top_up(
            WorkflowExecution.objects.filter(workflow__user=user),
            lambda i: WorkflowExecution(workflow=workflow, status=WorkflowExecution.Status.COMPLETED),
        )
        top_up(
            Task.objects.filter(created_by=user),
            lambda i: Task(
                name=f"업무 {i}",
                client=clients[i % len(clients)],
                assignee=user,
                created_by=user,
                due_date=today + datetime.timedelta(days=i % 60 - 30),
            ),
        )
        top_up(
            Client.objects.filter(user=user),
            lambda i: Client(user=user, name=f"{WORDS[i % 10]}{KINDS[i % 8]} {i}(주)", emails=[f"admin{i}@c{i}.co.kr"]),
        )
        top_up(
            ClientNote.objects.filter(user=user),
            lambda i: ClientNote(client=clients[i % len(clients)], user=user, title=f"메모 {i}", content="협업 논의"),
        )
        top_up(
            ClientActivity.objects.filter(user=user),
            lambda i: ClientActivity(
                client=clients[i % len(clients)], user=user, type=ClientActivity.Type.CALL, title=f"통화 {i}",
                scheduled_at=now - datetime.timedelta(hours=i), duration_minutes=10,
            ),
        )  # fmt: skip
        top_up(
            ClientProduct.objects.filter(user=user),
            lambda i: ClientProduct(
                client=clients[i % len(clients)], user=user, name="검색 광고", plan_type="매월결제", price=500_000,
                start_date=today - datetime.timedelta(days=i % 300),
            ),
        )  # fmt: skip
        top_up(
            ClientFile.objects.filter(user=user),
            lambda i: ClientFile(
                client=clients[i % len(clients)], user=user, name=f"견적서_{i}.pdf", size=len(TINY_PDF),
                content_type="application/pdf", file=f"bench/quote_{i}.pdf",
            ),
        )  # fmt: skip
        top_up(
            ClientEmail.objects.filter(user=user),
            lambda i: ClientEmail(
                client=clients[i % len(clients)], user=user, subject=f"후속 안내 {i}", from_email=user.email,
                to_email=clients[i % len(clients)].emails[0],
            ),
        )  # fmt: skip
        emails = list(ClientEmail.objects.filter(user=user).values_list("id", flat=True)[:ROWS])
        top_up(
            ClientEmailAttachment.objects.filter(email__user=user),
            lambda i: ClientEmailAttachment(
                email_id=emails[i % len(emails)], name=f"제안서_{i}.pdf", size=len(TINY_PDF),
                content_type="application/pdf", file=f"bench/proposal_{i}.pdf",
            ),
        )  # fmt: skip
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

    def measure(self, user: User, reps: int, only: str, runs: int) -> None:
        token = str(RefreshToken.for_user(user).access_token)
        http = DjangoClient(HTTP_AUTHORIZATION=f"Bearer {token}", SERVER_NAME="127.0.0.1")
        routes = [(name, path) for name, path in list_routes() if only in path]
        # As a gunicorn worker (gunicorn.conf.py post_worker_init): the URL conf is imported, and the
        # long-lived objects are frozen out of the garbage collector's full collections.
        gc.freeze()
        original_debug, original_keys = settings.DEBUG, settings.FIELD_ENCRYPTION_KEYS
        # DEBUG goes off while timing, and without DEBUG the development field key is refused: keep the
        # key the data was written with (the development one unless FIELD_ENCRYPTION_KEYS is set).
        settings.FIELD_ENCRYPTION_KEYS = [key.decode() for key in current_keys()]
        # Each run measures the baseline (the bench's plain 204 view through the same Django stack) and
        # then every route, so the machine's drift between runs hits both alike.
        measured: dict[str, list[dict]] = {path: [] for _name, path in routes}
        ceilings: list[float] = []
        try:
            with user_throttle_raised():
                for _run in range(runs):
                    settings.DEBUG = False
                    ceilings.append(timed(lambda: http.get("/api/t/ceiling/"), repeat=reps).p95)
                    for _name, path in routes:
                        measured[path].append(self.measure_route(http, path, reps))
        finally:
            settings.DEBUG = original_debug
            settings.FIELD_ENCRYPTION_KEYS = original_keys
        ceiling = statistics.median(ceilings)

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
            Column("×base", 6, ".1f"),
            write=self.stdout.write,
        )
        self.stdout.write(
            f"\nload average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs. cpu@100: median Python CPU time "
            "per request at page_size 100, PostgreSQL excluded (less sensitive to other processes than wall time)"
        )
        self.stdout.write(
            f"target: p95 at page_size 100 <= {TARGET_P95_MS:.0f} ms, same query count at both page sizes. "
            f"Medians of {runs} runs of {reps} timed requests per endpoint and page size; milliseconds. "
            f"Baseline: the plain 204 view, p95 {ceiling:.1f} ms (runs: {', '.join(f'{c:.1f}' for c in ceilings)}); "
            "×base = p95@100 / baseline p95"
        )
        table.header()
        slow, leaking = [], []
        for path, row_runs in measured.items():
            failed = next((row for row in row_runs if row.get("error")), None)
            if failed:
                self.stdout.write(f"{table.format_row(path)} {failed['error']}")
                continue
            row = row_runs[0]
            equal = all(r["queries"][20] == r["queries"][100] for r in row_runs)
            if not equal:
                leaking.append(path)

            def median(key: str, size: int, row_runs=row_runs) -> float:
                return statistics.median(r[key][size] for r in row_runs)

            p95_100 = median("p95", 100)
            if p95_100 > TARGET_P95_MS:
                slow.append(f"{path} ({p95_100:.0f})")
            table.row(
                path,
                row["count"],
                row["queries"][20],
                row["queries"][100],
                "no" if equal else "YES",
                median("p50", 20),
                median("p95", 20),
                median("p50", 100),
                p95_100,
                statistics.median(r["cpu"] for r in row_runs),
                p95_100 / ceiling if ceiling else 0.0,
            )
        self.stdout.write("")
        self.stdout.write(f"query counts differ (N+1): {', '.join(leaking) or 'none'}")
        self.stdout.write(f"p95@100 over {TARGET_P95_MS:.0f} ms: {', '.join(slow) or 'none'}")

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
