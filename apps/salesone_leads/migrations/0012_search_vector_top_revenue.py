"""The search vector of the companies with the largest revenue (≥ 1,000억) in a partial GIN index.

Relevance reads each tier by revenue, largest first, so the first pages of a tier are the tier's
rows with the largest revenue. When the planner cannot walk the revenue index to them (a Latin word
of four letters or more: its trigrams are multiplied as independent, `Hanbit` was guessed at 1 row
for 8,457, and all 8,457 were fetched and sorted: 8,231 heap blocks, 52-154 ms), or a deep page
would walk it far (page 10 of 전자: ~7,000 rows), the page is first read among the companies of
this slice: this index's bitmap holds only the slice's matches (663 of Hanbit's 8,457), and when
they hold the rows the page needs, they are exactly its rows (every row of the slice sorts before
every row outside it). Otherwise the rest is read outside the slice (selectors.SearchResult).

The threshold is selectors.TOP_REVENUE: 78,840 of the generated million companies (7.9%). Built
CONCURRENTLY; its name starts with salesone_search_, so the bulk loader drops and rebuilds it
around a large load (~10 s at 1M rows here, 25 MB).
"""

from django.db import migrations

TABLE = "salesone_leads_salesonelead"
INDEX = "salesone_search_vector_top"
# selectors.TOP_REVENUE: the planner uses the index only for a query whose condition is this one
# (or implies it).
TOP_REVENUE = 100_000_000_000


def create_top_index(apps, schema_editor):
    """As migration 0011: a failed CREATE INDEX CONCURRENTLY leaves an INVALID index that IF NOT
    EXISTS would keep; drop such a leftover first, so a rerun builds it."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT NOT index.indisvalid FROM pg_index index JOIN pg_class class ON class.oid = index.indexrelid "
            "WHERE class.relname = %s AND class.relnamespace = to_regnamespace(current_schema())",
            [INDEX],
        )
        row = cursor.fetchone()
        if row is not None and row[0]:
            cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")
        cursor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON {TABLE} USING gin (search_vector) "
            f"WHERE coalesce(finance_revenue, -1) >= {TOP_REVENUE}"
        )


def drop_top_index(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("salesone_leads", "0011_search_name_head")]

    operations = [migrations.RunPython(create_top_index, drop_top_index)]
