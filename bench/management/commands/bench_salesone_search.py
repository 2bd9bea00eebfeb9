"""manage.py bench_salesone_search: load, search and import figures on a million generated companies.

Measures, on the development database (never run it against production):
  * load: import_salesone_leads of N generated rows (kept between runs; --reload measures again),
    against Django's bulk_create of a sample of the same kind of rows, scaled to N;
  * search: a fixed mix of query classes through the API view, --runs times (p50, p95, p99 against
    the 20 ms target as medians of the runs, beside the floor: the same view answering the cheapest
    page, timed after each class, and each class's p50 over it; the load average of each run)
    with the plan of each (EXPLAIN ANALYZE of its slowest statement), and the same queries with the
    search indexes dropped inside a transaction that is rolled back. Exits non-zero when a class
    reads the company table sequentially or sorts 100,000 rows or more (a fallback plan);
  * import: SALESONE_IMPORT_LIMIT companies into a user's leads (rolled back);
  * EXPLAIN ANALYZE of the slowest query.
"""

from __future__ import annotations

import csv
import json
import os
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIRequestFactory, force_authenticate

from apps.accounts.models import User
from apps.salesone_leads.filters import SalesOneLeadFilter
from apps.salesone_leads.generator import KSIC_CSV, CompanyGenerator, write_csv
from apps.salesone_leads.loading import LEAD_TABLE, salesone_leads_load, search_indexes
from apps.salesone_leads.models import Industry, Keyword, SalesOneLead
from apps.salesone_leads.pagination import SalesOneLeadPagination
from apps.salesone_leads.selectors import salesone_lead_search
from apps.salesone_leads.services import industries_load, leads_import
from apps.salesone_leads.views import SalesOneLeadViewSet
from bench.harness import Column, Table, percentile, user_throttle_raised
from bench.plans import largest_sort, plan_kind, sequential_scans

QUERIES: list[tuple[str, dict]] = [
    ("2-char 넥스 (relevance)", {"q": "넥스"}),
    ("2-char 캐리 (relevance)", {"q": "캐리"}),
    ("2-char 전자 (relevance)", {"q": "전자"}),
    ("2-char 시스 (relevance)", {"q": "시스"}),
    ("2-char 산업 (relevance)", {"q": "산업"}),
    ("2-char 전자, deepest page by number", {"q": "전자", "page": "deepest"}),
    ("2-char 물산, by revenue", {"q": "물산", "ordering": "-revenue"}),
    ("2-char 전자, by employee", {"q": "전자", "ordering": "-employee"}),
    ("Latin LG (relevance)", {"q": "LG"}),
    ("Latin SK (relevance)", {"q": "SK"}),
    ("Latin Nex (relevance)", {"q": "Nex"}),
    ("Latin Hanbit (relevance)", {"q": "Hanbit"}),
    ("mixed 한빛 Hanbit (relevance)", {"q": "한빛 Hanbit"}),
    ("4-char 가온엔지", {"q": "가온엔지"}),
    ("4-char 대우캐리", {"q": "대우캐리"}),
    ("owner 서종렬", {"q": "서종렬"}),
    ("서울 + J62 prefix + revenue ≥ 1억", {"si_nm": "서울특별시", "industry": "J62", "revenue_min": 100_000_000}),
    (
        "전자 + 경기도 + C26 + revenue ≥ 1억",
        {"q": "전자", "si_nm": "경기도", "industry": "C26", "revenue_min": 100_000_000},
    ),
    ("keywords any 수출,벤처기업", {"keywords": "수출,벤처기업"}),
    ("경기도, deepest page by number", {"si_nm": "경기도", "page": "deepest"}),
    ("ordering -revenue (all)", {"ordering": "-revenue"}),
    ("ordering revenue (all)", {"ordering": "revenue"}),
    ("ordering -employee (all)", {"ordering": "-employee"}),
    ("ordering employee, S96", {"ordering": "employee", "industry": "S96"}),
    ("ordering -established_date", {"ordering": "-established_date"}),
    ("ordering established_date, 부산", {"ordering": "established_date", "si_nm": "부산광역시"}),
]
# Deep pages of 20 (the SPA's infinite scroll) by cursor: the cursor of the row before the page,
# from next_cursor's encoding of that row (reaching it by 499 or 4,999 requests would only measure
# the walk). Page numbers stop at SALESONE_SEARCH_MAX_OFFSET; "deepest" above is the last page a
# number reaches.
CURSOR_QUERIES: list[tuple[str, dict, int]] = [
    ("page 500 by cursor: 전자 (relevance)", {"q": "전자"}, 500),
    ("page 500 by cursor: 경기도", {"si_nm": "경기도"}, 500),
    ("page 5,000 by cursor: 경기도", {"si_nm": "경기도"}, 5_000),
    ("page 5,000 by cursor: -employee", {"ordering": "-employee"}, 5_000),
    ("page 5,000 by cursor: 시스 (relevance)", {"q": "시스"}, 5_000),
]
TARGET_P95_MS = 20
# The floor beside each class: the same view reading the first page of the revenue index.
FLOOR_QUERY = {"ordering": "-revenue"}
LOAD_TARGET_SECONDS = 30  # issue 18: 1M generated rows, search index included
PAGE_SIZE = 20
# The bench fails when a query class reads the company table sequentially, or sorts this many rows.
FULL_SORT_LIMIT = 100_000


def _load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


class Command(BaseCommand):
    help = "Benchmark the SalesOne lead database: bulk load, search through the API view, import."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=1_000_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--reload", action="store_true", help="truncate and load again (measures the load)")
        parser.add_argument("--sample", type=int, default=20_000, help="rows for the bulk_create comparison")
        parser.add_argument("--repeat", type=int, default=15, help="timed requests per query class in each run")
        parser.add_argument("--runs", type=int, default=3, help="runs of the whole mix; the table prints their medians")
        parser.add_argument("--repeat-unindexed", type=int, default=2, help="timed runs per query without indexes")
        parser.add_argument("--skip-bulk-create", action="store_true")
        parser.add_argument("--only", help="run only the query classes whose label contains this text")
        parser.add_argument("--data-dir", default=str(Path(settings.BASE_DIR) / "var" / "salesone"))

    def handle(self, *args, **options):
        self.data_dir = Path(options["data_dir"])
        self.data_dir.mkdir(parents=True, exist_ok=True)
        deepest = max(settings.SALESONE_SEARCH_MAX_OFFSET - 1, 0) // PAGE_SIZE + 1
        self.queries = [
            (
                label.replace("deepest page", f"page {deepest}"),
                {**params, "page": deepest} if "page" in params else params,
            )
            for label, params in QUERIES
        ]
        self.out(f"bench_salesone_search on {connection.settings_dict['NAME']} at {datetime.now():%Y-%m-%d %H:%M}")
        industries_load(path=KSIC_CSV)
        load = self.bench_load(options)
        if not options["skip_bulk_create"]:
            self.bench_bulk_create(options, load)
        with user_throttle_raised():  # thousands of requests as one user: measured, never a 429
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
        present = SalesOneLead.objects.count()
        if present and not options["reload"] and (present < rows or not record.exists()):
            # Rows this bench did not load (no record of its load beside the data file, or fewer than
            # it loads): a developer's own data, or another checkout's load. Never truncated unasked.
            raise CommandError(
                f"{LEAD_TABLE} holds {present:,} companies that are not this bench's load of {rows:,} (the "
                f"record of that load, {record}, is missing or the rows are fewer): --reload truncates the "
                "table and loads again"
            )
        if not path.exists():
            started = time.perf_counter()
            with open(path, "w", encoding="utf-8", newline="") as handle:
                write_csv(CompanyGenerator(seed=seed), rows, handle)
            self.out(f"generated {rows:,} rows into {path} in {time.perf_counter() - started:.1f} s")
        if options["reload"] or not present:
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
                 f"(inserted {load['inserted']:,}, rejected {load['rejected']:,}); target <= {LOAD_TARGET_SECONDS} s "
                 f"(ratio {load['seconds'] / LOAD_TARGET_SECONDS:.1f}x)")  # fmt: skip
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

    def _time_queries(self, queries, user, repeat: int, warm_up: bool = True, cpu: dict | None = None):
        """Wall ms of each request per class; with ``cpu``, each run's median of this process's CPU ms
        per request is appended to ``cpu[label]`` (the view's Python side, which the load average
        stretches in wall time but not in CPU time)."""
        timings: dict[str, list[float]] = {}
        for label, params in queries:
            if warm_up:
                self._run(params, user)
            timings[label], used = [], []
            for _ in range(repeat):
                started = time.process_time()
                timings[label].append(self._run(params, user)[0] * 1000)
                used.append((time.process_time() - started) * 1000)
            if cpu is not None:
                cpu.setdefault(label, []).append(statistics.median(used))
        return timings

    def _time_floor(self, queries, user, repeat: int) -> dict[str, list[float]]:
        """FLOOR_QUERY timed right after each class's runs: the view's own cost in that moment's load."""
        self._run(FLOOR_QUERY, user)
        return {label: [self._run(FLOOR_QUERY, user)[0] * 1000 for _ in range(repeat)] for label, _ in queries}

    def _cursor_queries(self, cursor_queries: list[tuple[str, dict, int]]) -> list[tuple[str, dict]]:
        """The cursor queries with the cursor of the last row of the page before theirs."""
        pagination = SalesOneLeadPagination()
        queries = []
        for label, params, page in cursor_queries:
            filters = SalesOneLeadFilter(params, queryset=SalesOneLead.objects.all()).clean_filters()
            search = salesone_lead_search(filters=filters)
            row_before = (page - 1) * PAGE_SIZE - 1
            rows = list(search.queryset[row_before : row_before + 1])
            if not rows:
                self.out(f"{label}: skipped, fewer than {row_before + 1:,} matches (--rows too small)")
                continue
            row = rows[0]
            queries.append((label, {**params, "cursor": pagination._encode(row, search)}))
        return queries

    def _plan(self, params: dict, user) -> tuple[str, list[str]]:
        """The plan kind of a query class (its slowest statement on the company table, by EXPLAIN
        ANALYZE) and what is wrong with any of its statements: a sequential scan of the table, or a
        sort of FULL_SORT_LIMIT rows or more."""
        # A full log (DEBUG keeps the last 9,000 queries) would leave the capture empty.
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            self._run(params, user)
        worst, problems = (-1.0, "no query"), []
        # The planner settings a statement ran under (SET LOCAL enable_sort = off for a walk of the
        # name head's group) are replayed before it, inside a transaction that ends them.
        with transaction.atomic(), connection.cursor() as cursor:
            for query in captured.captured_queries:
                if query["sql"].startswith(("SET LOCAL ", "RESET ")):
                    cursor.execute(query["sql"])
                    continue
                if f'"{LEAD_TABLE}"' not in query["sql"] or query["sql"].startswith("EXPLAIN"):
                    continue
                cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + query["sql"])
                explain = cursor.fetchone()[0]
                explain = json.loads(explain) if isinstance(explain, str) else explain
                kind = plan_kind(explain, LEAD_TABLE)
                if sequential_scans(explain, LEAD_TABLE):
                    problems.append(f"sequential scan of {LEAD_TABLE}: {query['sql'][:200]}")
                if largest_sort(explain) >= FULL_SORT_LIMIT:
                    problems.append(f"sort of {largest_sort(explain):,} rows: {query['sql'][:200]}")
                took = float(explain[0]["Execution Time"])
                if took > worst[0]:
                    worst = (took, kind)
        return worst[1], problems

    def bench_search(self, options) -> tuple[str, dict]:
        user = self._user()
        only = options["only"] or ""
        queries = [query for query in self.queries if only in query[0]]
        queries += self._cursor_queries([query for query in CURSOR_QUERIES if only in query[0]])
        runs, repeat = max(options["runs"], 1), options["repeat"]
        self.out(f"\n== search: {len(queries)} query classes through the API view, {runs} runs of {repeat} "
                 "requests each ==")  # fmt: skip
        # Each run times every class, then the floor after each class; the table takes the median of
        # the runs' p50, p95 and p99 (the machine is shared: one run's figures are noise).
        rounds: list[tuple[dict[str, list[float]], dict[str, list[float]]]] = []
        cpu: dict[str, list[float]] = {}
        for run in range(1, runs + 1):
            indexed = self._time_queries(queries, user, repeat, cpu=cpu)
            floor = self._time_floor(queries, user, repeat)
            rounds.append((indexed, floor))
            floors = [statistics.median(times) for times in floor.values()]
            self.out(f"run {run}/{runs} at {datetime.now(UTC):%H:%M:%S} UTC: load average {_load_average()}; floor p50 "
                     f"{min(floors):.1f}-{max(floors):.1f} ms")  # fmt: skip
        unindexed = {}
        if options["repeat_unindexed"]:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    dropped = search_indexes(cursor)
                    for name, _ in dropped:
                        cursor.execute(f'DROP INDEX "{name}"')
                unindexed = self._time_queries(queries, user, options["repeat_unindexed"], warm_up=False)
                transaction.set_rollback(True)  # the indexes come back
            self.out(f"without indexes: {', '.join(name for name, _ in dropped)} dropped in a rolled-back transaction")

        def median_of_runs(label: str, figure) -> float:
            return statistics.median(figure(indexed[label], floor[label]) for indexed, floor in rounds)

        table = Table(
            Column("query class", 40, align="<"),
            Column("count", 10),
            Column("p50 ms", 8, ".1f"),
            Column("p95 ms", 8, ".1f"),
            Column("p99 ms", 8, ".1f"),
            Column("floor p50", 10, ".1f"),
            Column("p50-floor", 10, "+.1f"),
            Column("CPU p50", 8, ".1f"),
            Column("no-index p50", 13),
            Column("plan (slowest statement)", align="<", gap="  "),
            write=self.out,
        )
        self.out(f"medians of {runs} runs (p50, p95, p99 of {repeat} requests in each run; p50-floor: each run's "
                 "p50 minus the floor's p50 measured right after it; CPU p50: this process's CPU ms per request, "
                 "the view's Python side without the waits)")  # fmt: skip
        table.header()
        worst, failures, missed = (0.0, queries[0]), [], []
        for label, params in queries:
            _, body = self._run(params, user)
            count = f"{'~' if body['count_is_estimate'] else ''}{body['count']:,}"
            p95 = median_of_runs(label, lambda times, _: percentile(times, 0.95))
            baseline = f"{statistics.median(unindexed[label]):.1f}" if label in unindexed else "-"
            kind, problems = self._plan(params, user)
            if p95 > TARGET_P95_MS:
                missed.append(label)
            table.row(
                label,
                count,
                median_of_runs(label, lambda times, _: statistics.median(times)),
                p95,
                median_of_runs(label, lambda times, _: percentile(times, 0.99)),
                median_of_runs(label, lambda _, floor: statistics.median(floor)),
                median_of_runs(label, lambda times, floor: statistics.median(times) - statistics.median(floor)),
                statistics.median(cpu[label]),
                baseline,
                kind,
                suffix="" if p95 <= TARGET_P95_MS else f"  > {TARGET_P95_MS} ms",
            )
            failures += [f"{label}: {problem}" for problem in problems]
            if p95 > worst[0]:
                worst = (p95, (label, params))
        over_floor = [
            label
            for label, _ in queries
            if median_of_runs(label, lambda t, f: statistics.median(t) - statistics.median(f)) > TARGET_P95_MS
        ]
        self.out(f"target: every class p95 <= {TARGET_P95_MS} ms (median of {runs} runs); missed by {len(missed)}: "
                 f"{', '.join(missed) or '-'}")  # fmt: skip
        self.out(f"p50 more than {TARGET_P95_MS} ms above the same run's floor: {len(over_floor)}: "
                 f"{', '.join(over_floor) or '-'}")  # fmt: skip
        self.out(f"floor: the view answering {FLOOR_QUERY} (21 rows of an index, ~0.1 ms of SQL), timed after "
                 "each class: what the machine's load and the request's Python cost, before any search; "
                 f"load average now {_load_average()}")  # fmt: skip
        if failures:
            self.out("\n".join(["", "FAILED: fallback plans", *failures]))
            raise CommandError(f"{len(failures)} query plan(s) read the whole company table or sort 100k+ rows")
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
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            self._run(params, self._user())
        # The planner's estimates (EXPLAIN without ANALYZE) are part of the request, not statements to explain.
        statements = [q for q in captured.captured_queries if not q["sql"].startswith("EXPLAIN")]
        is_setting = [q["sql"].startswith(("SET LOCAL ", "RESET ")) for q in statements]
        queries = [i for i in range(len(statements)) if not is_setting[i]]
        if not queries:
            self.out(f"\n== EXPLAIN ANALYZE: {label} {params} issued no query ==")
            return
        at = max(queries, key=lambda i: float(statements[i]["time"]))
        query = statements[at]
        self.out(f"\n== EXPLAIN ANALYZE of the slowest query: {label} {params} ({query['time']} s in Django) ==")
        # As in _plan: the planner settings the statement ran under (SET LOCAL enable_sort = off for
        # a walk of the name head's group) are replayed before it, in a transaction that ends them,
        # so the plan printed is the plan that ran.
        with transaction.atomic(), connection.cursor() as cursor:
            for i in range(at):
                if is_setting[i]:
                    cursor.execute(statements[i]["sql"])
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            for (line,) in cursor.fetchall():
                self.out(line)
