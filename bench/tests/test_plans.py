"""The search bench's plan classifier: it names the access path and refuses a sequential scan of
the company table, read from the real EXPLAIN of a small table."""

import json

import pytest
from django.db import connection

from apps.salesone_leads.models import SalesOneLead
from apps.salesone_leads.tests.factories import SalesOneLeadFactory
from bench.plans import largest_sort, plan_kind, sequential_scans

TABLE = SalesOneLead._meta.db_table


def explain(sql: str, *settings: str):
    with connection.cursor() as cursor:
        for setting in settings:
            cursor.execute(f"SET LOCAL {setting}")
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
    return json.loads(plan) if isinstance(plan, str) else plan


@pytest.mark.django_db
def test_a_sequential_scan_of_the_table_is_found_and_named():
    plan = explain(
        f"SELECT id FROM {TABLE} WHERE name LIKE '%넥스%'", "enable_indexscan = off", "enable_bitmapscan = off"
    )
    assert len(sequential_scans(plan, TABLE)) == 1
    assert plan_kind(plan, TABLE).startswith("SEQ SCAN")
    assert sequential_scans(plan, "another_table") == []


@pytest.mark.django_db
def test_an_index_walk_is_named_by_its_index_and_is_no_sequential_scan():
    plan = explain(
        f"SELECT id FROM {TABLE} ORDER BY coalesce(finance_revenue, -1) DESC, id DESC LIMIT 20",
        "enable_seqscan = off",
    )
    assert sequential_scans(plan, TABLE) == []
    assert plan_kind(plan, TABLE) == "index walk salesone_search_revenue"


@pytest.mark.django_db
def test_a_bitmap_with_a_sort_reports_how_many_rows_were_sorted():
    for i in range(30):
        SalesOneLeadFactory(name=f"넥스{i:02d}")
    SalesOneLeadFactory(name="가온")
    plan = explain(
        f"SELECT id FROM {TABLE} WHERE search_vector @@ '넥스'::tsquery ORDER BY name LIMIT 5",
        "enable_seqscan = off",
        "enable_indexscan = off",
    )
    assert plan_kind(plan, TABLE) == "bitmap salesone_search_vector + top-N sort of 30 rows"
    assert largest_sort(plan) == 30
