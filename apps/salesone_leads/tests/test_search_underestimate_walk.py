"""A search whose matches the planner underestimates (a Latin word whose trigrams it multiplies:
`Hanbit`) reads its relevance tiers by walking the revenue index when the page's count found more
matches than the cap and the walk is bounded (selectors.SearchResult._walks_revenue), instead of one
fetch and sort of every match; the page is the single sorted query's. A word whose few matches sit
at the lowest revenues keeps the single sorted query: a walk would read the whole table."""

import random

import pytest
from django.db import connection

from apps.salesone_leads.models import SalesOneLead
from apps.salesone_leads.tests.conftest import plan_nodes, planner_company, replayed_plans
from apps.salesone_leads.tests.factories import IndustryFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("table_statistics_restored")]

TABLE = SalesOneLead._meta.db_table
SYLLABLES = "가나다라마바사아자차카타파하고노도로모보소오조초코토포호"
ROWS = 9_000


def _companies(*, matching: str, matches: int, lowest: bool = False) -> None:
    """ROWS companies, ``matches`` of them holding ``matching`` in the description: every third
    one by revenue (spread over the revenues), or with ``lowest`` the ones of lowest revenue."""
    industry = IndustryFactory()
    chance = random.Random(18)
    revenues = sorted(chance.sample(range(1, 10**9), ROWS), reverse=True)
    matching_at = set(range(ROWS - matches, ROWS)) if lowest else set(range(0, 3 * matches, 3))
    rows = []
    for i in range(ROWS):
        syllables = "".join(chance.choice(SYLLABLES) for _ in range(4))
        description = f"{matching} 대리점" if i in matching_at else ""
        rows.append(
            planner_company(industry, 8_500_000 + i, name=syllables, revenue=revenues[i], description=description)
        )
    SalesOneLead.objects.bulk_create(rows, batch_size=2_000)
    with connection.cursor() as cursor:
        # As a loaded table's: the GIN index's fast-update list merged (the planner costs a long
        # pending list as read in full), statistics gathered.
        cursor.execute("SELECT gin_clean_pending_list('salesone_search_vector'::regclass)")
        cursor.execute(f"ANALYZE {TABLE}")


def _expected() -> list[str]:
    """The matches in relevance order: all in one tier, so by revenue, largest first (then id)."""
    matches = SalesOneLead.objects.filter(description__contains="대리점").order_by("-finance_revenue", "-id")
    return list(matches.values_list("corporation_number", flat=True))


def _most_rows_read(plans: list[dict]) -> int:
    """The most company rows any statement fetched from the table (a heap or sequential scan)."""
    return max(
        node["Actual Rows"] + node.get("Rows Removed by Filter", 0)
        for plan in plans
        for node in plan_nodes(plan)
        if node["Node Type"] in ("Bitmap Heap Scan", "Seq Scan", "Index Scan") and node.get("Relation Name") == TABLE
    )


def _sorts(plans: list[dict]) -> list[int]:
    """The rows each Sort node of the statements sorted."""
    return [node["Actual Rows"] for plan in plans for node in plan_nodes(plan) if node["Node Type"] == "Sort"]


def test_a_latin_word_the_planner_underestimates_walks_the_revenue_index(search):
    _companies(matching="Hanbit", matches=3_000)

    body, _, plans = replayed_plans(search, q="Hanbit", page_size=20)

    assert [row["corporation_number"] for row in body["results"]] == _expected()[:20]
    # The page's exact count reads 1,001 matches; the page walked ~60 rows of the revenue index
    # (~3 per match), where the planner's fetch and sort (han & anb & nbi & bit guessed far below
    # 3,000) read and sorted all 3,000.
    assert _most_rows_read(plans) <= 1_001
    assert not [rows for rows in _sorts(plans) if rows > 1_001]


def test_page_one_walks_through_the_api_at_the_scale_of_a_million_companies(search, settings):
    # A million companies under a cap of 1,000 is a table of about (cap + 1)^2 rows: here 9,000 under
    # 94 (95^2 = 9,025). Page 1 through the API asks for 21 rows (the page's 20 and the paginator's
    # look-ahead); with the bound at 20 x (cap + 1)^2 = 180,500 < 21 x 9,000 the walk never fired, and
    # the single sorted query read and sorted all 3,000 matches (as `Hanbit` did at 1M, 2026-12-07).
    settings.SALESONE_SEARCH_EXACT_COUNT_LIMIT = 94
    _companies(matching="Hanbit", matches=3_000)

    body, _, plans = replayed_plans(search, q="Hanbit", page_size=20)

    assert [row["corporation_number"] for row in body["results"]] == _expected()[:20]
    assert _most_rows_read(plans) <= 95
    assert not [rows for rows in _sorts(plans) if rows > 95]


def test_the_next_page_of_the_walk_is_the_single_sorted_querys(search):
    _companies(matching="Hanbit", matches=3_000)

    pages = [search(q="Hanbit", page_size=20, page=page)["results"] for page in (1, 2)]
    first = search(q="Hanbit", page_size=20)
    after = search(q="Hanbit", page_size=20, cursor=first["next_cursor"])["results"]

    flat = [row["corporation_number"] for page in pages for row in page]
    assert flat == _expected()[:40]
    assert [row["corporation_number"] for row in after] == _expected()[20:40]


def test_a_rare_word_at_the_lowest_revenues_does_not_walk(search, settings):
    # 60 matches over a cap of 50: the count says the planner underestimated, but a walk from the
    # top would read ~9,000 / 60 x 20 = 3,000 rows (in fact all 9,000: the matches are the last
    # 60), more than 20 x the 51 the count confirmed.
    settings.SALESONE_SEARCH_EXACT_COUNT_LIMIT = 50
    _companies(matching="Hanbit", matches=60, lowest=True)

    body, _, plans = replayed_plans(search, q="Hanbit", page_size=20)

    assert [row["corporation_number"] for row in body["results"]] == _expected()[:20]
    assert _most_rows_read(plans) <= 60
