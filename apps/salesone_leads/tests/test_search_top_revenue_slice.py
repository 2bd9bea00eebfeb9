"""Relevance tiers are read among the companies of the top revenue slice first (migration 0012) when
the planner's own plan would fetch every match (a Latin word whose trigrams it multiplies: `Hanbit`)
or walk far (a page after the first): the page reads the slice's matches, not all of them, and
is the same page the single sorted query gives, across the slice's boundary too."""

import json
import random

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from apps.salesone_leads.generator import business_number_for, corporation_number_for
from apps.salesone_leads.models import SalesOneLead
from apps.salesone_leads.selectors import TOP_REVENUE
from apps.salesone_leads.tests.factories import IndustryFactory

pytestmark = pytest.mark.django_db

TABLE = SalesOneLead._meta.db_table
SYLLABLES = "가나다라마바사아자차카타파하고노도로모보소오조초코토포호"
MATCHES = 3_000
IN_SLICE = 150  # of the matches: the slice holds pages 1-7 and half of page 8


@pytest.fixture(scope="module", autouse=True)
def _table_statistics_restored(django_db_blocker):
    """As in test_search_head_walk_bound: VACUUM ANALYZE after the module, so the next modules'
    estimates come from the empty table again."""
    yield
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {TABLE}")


def _companies(*, matching: str, name_part: str = "") -> None:
    """MATCHES companies holding ``matching`` in the description (and ``name_part`` inside the name,
    after two syllables: relevance tier 1), IN_SLICE of them with revenue in the top slice, and
    twice as many that do not match, half of them in the slice (a walk of the revenue index from
    the top reads ~20 rows for each match it finds)."""
    industry = IndustryFactory()
    chance = random.Random(18)
    revenues = chance.sample(range(1, 10**9), 3 * MATCHES)
    rows = []
    for i in range(3 * MATCHES):
        syllables = "".join(chance.choice(SYLLABLES) for _ in range(4))
        match = i < MATCHES
        in_slice = i < IN_SLICE if match else i % 2 == 0
        revenue = revenues[i] + (TOP_REVENUE if in_slice else 0)
        rows.append(
            SalesOneLead(
                corporation_number=corporation_number_for(8_500_000 + i),
                business_number=business_number_for(3_500_000 + i),
                name=syllables[:2] + name_part + syllables[2:] if match else syllables,
                owner="김민준",
                industry=industry,
                industry_name=industry.name,
                employee=1,
                finance_revenue=revenue,
                description=f"{matching} 대리점" if match else "",
                address="서울특별시 중구 세종대로 1",
            )
        )
    SalesOneLead.objects.bulk_create(rows, batch_size=2_000)
    with connection.cursor() as cursor:
        # As a loaded table's: the GIN indexes' fast-update lists merged (the planner costs a long
        # pending list as read in full), statistics gathered.
        cursor.execute("SELECT gin_clean_pending_list('salesone_search_vector'::regclass)")
        cursor.execute("SELECT gin_clean_pending_list('salesone_search_vector_top'::regclass)")
        cursor.execute(f"ANALYZE {TABLE}")


def _expected(words_in_name: bool) -> list[str]:
    """The matches in relevance order: all in one tier, so by revenue, largest first (then id)."""
    matches = SalesOneLead.objects.filter(description__contains="대리점").order_by("-finance_revenue", "-id")
    assert words_in_name or not matches.filter(name__contains="전자").exists()
    return list(matches.values_list("corporation_number", flat=True))


def _statements(search, **params) -> tuple[dict, list[dict]]:
    """The page's body, and the EXPLAIN ANALYZE plans of its statements on the company table."""
    with CaptureQueriesContext(connection) as captured:
        body = search(**params)
    plans = []
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in captured.captured_queries:
            sql = statement["sql"]
            if sql.startswith(("SET LOCAL ", "RESET ")):
                cursor.execute(sql)
                continue
            if f'"{TABLE}"' not in sql or sql.startswith("EXPLAIN"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
            plan = cursor.fetchone()[0]
            plans.append((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"])
    return body, plans


def _nodes(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


def _most_rows_read(plans: list[dict]) -> int:
    """The most company rows any statement fetched from the table (a heap or sequential scan)."""
    return max(
        node["Actual Rows"] + node.get("Rows Removed by Filter", 0)
        for plan in plans
        for node in _nodes(plan)
        if node["Node Type"] in ("Bitmap Heap Scan", "Seq Scan", "Index Scan") and node.get("Relation Name") == TABLE
    )


def test_a_latin_word_the_planner_underestimates_reads_the_slice_not_every_match(search):
    _companies(matching="Hanbit")

    body, plans = _statements(search, q="Hanbit", page_size=20)

    assert [row["corporation_number"] for row in body["results"]] == _expected(False)[:20]
    # The page's exact count reads 1,001 matches; the page itself read the slice's 150, where the
    # planner's fetch and sort (han & anb & nbi & bit guessed far below 3,000) read all 3,000.
    assert _most_rows_read(plans) <= 1_001


def test_pages_across_the_slice_boundary_are_the_single_sorted_querys(search):
    _companies(matching="Hanbit")

    pages = [search(q="Hanbit", page_size=20, page=page)["results"] for page in range(1, 11)]

    # Page 8 holds the slice's last 10 rows and the first 10 outside it; pages 9-10 start after it.
    assert [row["corporation_number"] for page in pages for row in page] == _expected(False)[:200]


def test_a_deep_page_of_a_broad_word_reads_its_name_tier_from_the_slice(search):
    _companies(matching="", name_part="전자")

    body, plans = _statements(search, q="전자", page_size=20, page=5)

    assert [row["corporation_number"] for row in body["results"]] == _expected(True)[80:100]
    indexes = {node.get("Index Name") for plan in plans for node in _nodes(plan)}
    assert "salesone_search_vector_top" in indexes
