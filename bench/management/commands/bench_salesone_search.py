"""manage.py bench_salesone_search: load, search and import figures on a million generated companies.

Measures, on the development database (never run it against production):
  * load: import_salesone_leads of N generated rows (kept between runs; --reload measures again),
    against Django's bulk_create of a sample of the same kind of rows, scaled to N;
  * search: a fixed mix of queries through the API view (median and p95), and the same queries with
    the search indexes dropped inside a transaction that is rolled back;
  * import: SALESONE_IMPORT_LIMIT companies into a user's leads (rolled back);
  * EXPLAIN ANALYZE of the slowest query.
"""

from __future__ import annotations

import csv
import json
import statistics
import time
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIRequestFactory, force_authenticate

from apps.accounts.models import User
from apps.salesone_leads.generator import KSIC_CSV, CompanyGenerator, write_csv
from apps.salesone_leads.loading import LEAD_TABLE, salesone_leads_load, search_indexes
from apps.salesone_leads.models import Industry, Keyword, SalesOneLead
from apps.salesone_leads.services import industries_load, leads_import
from apps.salesone_leads.views import SalesOneLeadViewSet
from bench.harness import Column, Table, percentile

QUERIES: list[tuple[str, dict]] = [
    ("2-char 넥스 (relevance)", {"q": "넥스"}),
    ("2-char 캐리 (relevance)", {"q": "캐리"}),
    ("2-char 물산, by revenue", {"q": "물산", "ordering": "-revenue"}),
    ("4-char 가온엔지", {"q": "가온엔지"}),
    ("4-char 대우캐리", {"q": "대우캐리"}),
    ("owner 서종렬", {"q": "서종렬"}),
    ("서울 + J62 prefix + revenue ≥ 1억", {"si_nm": "서울특별시", "industry": "J62", "revenue_min": 100_000_000}),
    ("keywords any 수출,벤처기업", {"keywords": "수출,벤처기업"}),
    ("page 500 of 경기도", {"si_nm": "경기도", "page": 500}),
    ("ordering -revenue (all)", {"ordering": "-revenue"}),
    ("ordering revenue (all)", {"ordering": "revenue"}),
    ("ordering -employee (all)", {"ordering": "-employee"}),
    ("ordering employee, S96", {"ordering": "employee", "industry": "S96"}),
    ("ordering -established_date", {"ordering": "-established_date"}),
    ("ordering established_date, 부산", {"ordering": "established_date", "si_nm": "부산광역시"}),
]


class Command(BaseCommand):
    help = "Benchmark the SalesOne lead database: bulk load, search through the API view, import."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=1_000_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--reload", action="store_true", help="truncate and load again (measures the load)")
        parser.add_argument("--sample", type=int, default=20_000, help="rows for the bulk_create comparison")
        parser.add_argument("--repeat", type=int, default=15, help="timed runs per query")
        parser.add_argument("--repeat-unindexed", type=int, default=2, help="timed runs per query without indexes")
        parser.add_argument("--skip-bulk-create", action="store_true")
        parser.add_argument("--page", type=int, default=500, help="the deep page of the broad query")
        parser.add_argument("--data-dir", default=str(Path(settings.BASE_DIR) / "var" / "salesone"))

    def handle(self, *args, **options):
        self.data_dir = Path(options["data_dir"])
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.queries = [
            (
                label.replace("500", str(options["page"])),
                {**params, "page": options["page"]} if "page" in params else params,
            )
            for label, params in QUERIES
        ]
        self.out(f"bench_salesone_search on {connection.settings_dict['NAME']} at {datetime.now():%Y-%m-%d %H:%M}")
        industries_load(path=KSIC_CSV)
        load = self.bench_load(options)
        if not options["skip_bulk_create"]:
            self.bench_bulk_create(options, load)
        slowest = self.bench_search(options)
        self.bench_import()
        self.explain(slowest)

    def out(self, line: str = "") -> None:
        self.stdout.write(line)

    # --- load ------------------------------------------------------------------------------------

    def bench_load(self, options) -> dict:
        rows, seed = options["rows"], options["seed"]
        path = self.data_dir / f"bench-{rows}-seed{seed}.csv"
        record = self.data_dir / f"bench-{rows}-seed{seed}.load.json"
        self.out("\n== load ==")
        if not path.exists():
            started = time.perf_counter()
            with open(path, "w", encoding="utf-8", newline="") as handle:
                write_csv(CompanyGenerator(seed=seed), rows, handle)
            self.out(f"generated {rows:,} rows into {path} in {time.perf_counter() - started:.1f} s")
        present = SalesOneLead.objects.count()
        if options["reload"] or present < rows or not record.exists():
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {LEAD_TABLE} CASCADE")
            result = salesone_leads_load(path=path, rejects_path=self.data_dir / "bench.rejects.csv", progress=True)
            load = {
                "measured_at": datetime.now().isoformat(timespec="seconds"),
                "rows": result.read,
                "inserted": result.inserted,
                "rejected": result.rejected,
                "seconds": round(result.seconds, 1),
                "steps": {name: round(value, 1) for name, value in result.timings.items()},
            }
            record.write_text(json.dumps(load, indent=2))
            self.out(f"import_salesone_leads: measured now ({load['measured_at']})")
        else:
            load = json.loads(record.read_text())
            self.out(f"import_salesone_leads: {present:,} rows present; figures measured {load['measured_at']} "
                     "(--reload to measure again)")  # fmt: skip
        rate = load["rows"] / load["seconds"]
        self.out(f"  {load['rows']:,} rows in {load['seconds']:.1f} s = {rate:,.0f} rows/s "
                 f"(inserted {load['inserted']:,}, rejected {load['rejected']:,}); target < 120 s")  # fmt: skip
        self.out("  steps: " + ", ".join(f"{name} {value} s" for name, value in load["steps"].items()))
        return load

    def bench_bulk_create(self, options, load: dict) -> None:
        """Django's way: read the CSV, build model instances, bulk_create them and their keyword links."""
        sample, rows = options["sample"], options["rows"]
        path = self.data_dir / f"bench-sample-{sample}-from-{rows}.csv"
        if not path.exists():
            with open(path, "w", encoding="utf-8", newline="") as handle:
                write_csv(CompanyGenerator(seed=options["seed"]), sample, handle, start=rows)
        industries = dict(Industry.objects.values_list("code", "id"))
        started = time.perf_counter()
        with transaction.atomic():
            keywords = dict(Keyword.objects.values_list("name", "id"))
            companies, links = [], []
            with open(path, encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle):
                    fields = {name: (value if value != "" else None) for name, value in row.items()}
                    names = json.loads(fields.pop("keywords") or "[]")
                    code = fields.pop("industry")
                    for name in ("homepage", "handle_goods"):
                        fields[name] = json.loads(fields[name]) if fields[name] else None
                    for name in ("is_normal_taxpayer", "is_corporation", "scraped_bizinfo"):
                        fields[name] = fields[name] == "true"
                    company = SalesOneLead(industry_id=industries.get(code), **fields)
                    company.full_clean(exclude=["industry", "keywords"], validate_unique=False)
                    companies.append(company)
                    links.append(names)
            SalesOneLead.objects.bulk_create(companies, batch_size=1000)
            through = SalesOneLead.keywords.through
            for name in {n for names in links for n in names} - set(keywords):
                keywords[name] = Keyword.objects.create(name=name).pk
            through.objects.bulk_create(
                [
                    through(salesonelead_id=company.pk, keyword_id=keywords[name])
                    for company, names in zip(companies, links, strict=True)
                    for name in names
                ],
                batch_size=5000,
            )
            seconds = time.perf_counter() - started
            transaction.set_rollback(True)
        scaled = seconds * rows / sample
        self.out(f"Django bulk_create (full_clean + bulk_create + keyword links) of {sample:,} rows into the "
                 f"{rows:,}-row table: {seconds:.1f} s = {sample / seconds:,.0f} rows/s; scaled to {rows:,}: "
                 f"{scaled:.0f} s -> import_salesone_leads is {scaled / load['seconds']:.1f}x faster "
                 "(sample rolled back)")  # fmt: skip

    # --- search ----------------------------------------------------------------------------------

    def _user(self) -> User:
        user, _ = User.objects.get_or_create(email="bench-salesone@example.com", defaults={"first_name": "벤치"})
        return user

    def _run(self, params: dict, user) -> tuple[float, dict]:
        factory = APIRequestFactory()
        view = SalesOneLeadViewSet.as_view({"get": "list"})
        request = factory.get("/api/salesone-leads/", params, SERVER_NAME="localhost")
        force_authenticate(request, user=user)
        started = time.perf_counter()
        response = view(request)
        response.render()
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"{params}: {response.status_code} {response.content[:300]!r}")
        return elapsed, response.data

    def _time_queries(self, user, repeat: int, warm_up: bool = True) -> dict[str, list[float]]:
        timings: dict[str, list[float]] = {}
        for label, params in self.queries:
            if warm_up:
                self._run(params, user)
            timings[label] = [self._run(params, user)[0] * 1000 for _ in range(repeat)]
        return timings

    def bench_search(self, options) -> tuple[str, dict]:
        user = self._user()
        self.out(f"\n== search: {len(self.queries)} queries through the API view, {options['repeat']} runs each ==")
        indexed = self._time_queries(user, options["repeat"])
        with transaction.atomic():
            with connection.cursor() as cursor:
                dropped = search_indexes(cursor)
                for name, _ in dropped:
                    cursor.execute(f'DROP INDEX "{name}"')
            unindexed = self._time_queries(user, options["repeat_unindexed"], warm_up=False)
            transaction.set_rollback(True)  # the indexes come back
        self.out(f"without indexes: {', '.join(name for name, _ in dropped)} dropped in a rolled-back transaction")
        table = Table(
            Column("query", 38, align="<"),
            Column("count", 10),
            Column("median ms", 10, ".1f"),
            Column("p95 ms", 8, ".1f"),
            Column("no-index median", 16, ".1f"),
            Column("ratio", 7),
            write=self.out,
        )
        table.header()
        worst = (0.0, self.queries[0])
        for label, params in self.queries:
            _, body = self._run(params, user)
            count = f"{'~' if body['count_is_estimate'] else ''}{body['count']:,}"
            median, p95 = statistics.median(indexed[label]), percentile(indexed[label], 0.95)
            baseline = statistics.median(unindexed[label])
            flag = "" if p95 < 50 else "  > 50 ms"
            table.row(label, count, median, p95, baseline, f"{baseline / median:.1f}x", suffix=flag)
            if p95 > worst[0]:
                worst = (p95, (label, params))
        cursor_params = dict(self.queries[8][1])
        body = self._run(cursor_params, user)[1]
        cursor_params = {"si_nm": "경기도", "cursor": body["next_cursor"]}
        self._run(cursor_params, user)
        times = [self._run(cursor_params, user)[0] * 1000 for _ in range(options["repeat"])]
        table.row("next page of 경기도 by next_cursor", "", statistics.median(times), percentile(times, 0.95))
        return worst[1]

    # --- import ----------------------------------------------------------------------------------

    def bench_import(self) -> None:
        user = self._user()
        limit = settings.SALESONE_IMPORT_LIMIT
        self.out(f"\n== import: {limit:,} companies into a user's leads (leads_import, rolled back) ==")
        with transaction.atomic():
            from apps.leads.services import lead_list_create

            started = time.perf_counter()
            lead_list = lead_list_create(user=user, name="bench").lead_list
            outcome = leads_import(user=user, filters={"si_nm": ["서울특별시"]}, lead_list=lead_list, limit=limit)
            seconds = time.perf_counter() - started
            transaction.set_rollback(True)
        self.out(f"created {outcome.created:,} leads (skipped {outcome.skipped:,}) and filed them in a list "
                 f"in {seconds:.2f} s; target < 5 s")  # fmt: skip

    # --- explain ---------------------------------------------------------------------------------

    def explain(self, slowest: tuple[str, dict]) -> None:
        label, params = slowest
        with CaptureQueriesContext(connection) as captured:
            self._run(params, self._user())
        query = max(captured.captured_queries, key=lambda q: float(q["time"]))
        self.out(f"\n== EXPLAIN ANALYZE of the slowest query: {label} {params} ({query['time']} s in Django) ==")
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            for (line,) in cursor.fetchall():
                self.out(line)
