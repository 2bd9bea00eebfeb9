"""Relevance tier 2 walks its name head's group only when tier 2 is large against the group: a large
group whose names rarely hold the second word is read by the planner's own plan (the GIN AND of the
words), not by a walk of the whole group (the reviewer's 30,000 rows under 한국 for `한국 넥스`)."""

import random

import pytest
from django.db import connection

from apps.salesone_leads.models import SalesOneLead
from apps.salesone_leads.tests.conftest import plan_nodes, planner_company, replayed_plans
from apps.salesone_leads.tests.factories import IndustryFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("table_statistics_restored")]

TABLE = SalesOneLead._meta.db_table
SYLLABLES = "가나다라마바사아자차카타파하고노도로모보소오조초코토포호"
GROUP = 6_000


def _companies(*, in_tier_two: int) -> None:
    """GROUP names under the head 한국 (``in_tier_two`` of them hold 넥스) and as many under other
    heads, 400 of which mention 한국 넥스 in their description (tier 0: the query has ≥ 200 matches)."""
    industry = IndustryFactory()
    chance = random.Random(18)
    rows = []
    for i in range(2 * GROUP):
        head = "한국" if i < GROUP else chance.choice(SYLLABLES) + chance.choice(SYLLABLES)
        name = head + chance.choice(SYLLABLES) + chance.choice(SYLLABLES)
        if i < in_tier_two:
            name = f"한국넥스{i}"
        description = "한국 넥스 대리점" if GROUP <= i < GROUP + 400 else ""
        rows.append(
            planner_company(
                industry, 8_000_000 + i, name=name, revenue=chance.randint(1, 10**6), description=description
            )
        )
    SalesOneLead.objects.bulk_create(rows, batch_size=2_000)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {TABLE}")  # the planner's estimate of the head group


def _head_index_reads(search, query: str) -> tuple[list[str], int]:
    """The page's statements' planner settings, and the most rows any of its statements read
    through the head index (EXPLAIN ANALYZE, each replayed under the SET LOCAL it ran under)."""
    body, settings, plans = replayed_plans(search, q=query, page_size=20)
    assert body["results"]
    read = [
        node["Actual Rows"] + node.get("Rows Removed by Filter", 0)
        for plan in plans
        for node in plan_nodes(plan)
        if node.get("Index Name") == "salesone_search_name_head" and node["Node Type"] == "Index Scan"
    ]
    return settings, max(read, default=0)


def test_a_large_head_group_with_few_tier_two_rows_is_not_walked(search):
    _companies(in_tier_two=2)

    settings, head_rows = _head_index_reads(search, "한국 넥스")

    assert "SET LOCAL enable_sort = off" not in settings
    assert head_rows < GROUP // 10  # the forced walk read the whole group (6,000 rows)


def test_a_tier_two_large_against_its_group_is_walked_in_revenue_order(search):
    _companies(in_tier_two=GROUP // 2)

    settings, head_rows = _head_index_reads(search, "한국 넥스")

    assert "SET LOCAL enable_sort = off" in settings
    assert 0 < head_rows < 200  # about twice the page's 21 rows, not the group
