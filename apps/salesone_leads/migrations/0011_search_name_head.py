"""The name's head (its first two characters after a leading legal form) + the revenue key, in one btree.

Relevance tier 2 ("the name starts with the first word") of a query with more words was the AND
of the name prefixes and the other words' terms: `한빛 Hanbit` matched 8,457 rows, the planner
multiplied the frequencies of 한빛's prefix and of han & anb & nbi & bit as if independent (1 row
guessed), fetched all 8,457 and sorted them (125 ms). For a first word of two or more characters
that no legal form can cut, "the name starts with it" is `salesone_name_head(name) = its first
two characters` (exactly, for two characters; with the prefixes for more): this index then walks
the word's group in revenue order and stops at the page (a group is at most the rows a bitmap of
the prefixes would fetch). SEARCH.md has the rule and the figures.

Built CONCURRENTLY (the company table is a million rows; search keeps working); its name starts
with salesone_search_, so the bulk loader drops and rebuilds it around a large load.
"""

from django.db import migrations

TABLE = "salesone_leads_salesonelead"

# The legal forms of selectors._name_prefixes, in the same order; the head of a name that starts
# with none of them is its first two characters.
NAME_HEAD = r"""
CREATE OR REPLACE FUNCTION salesone_name_head(name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT left(CASE
    WHEN name LIKE '주식회사 %' THEN substr(name, 6)
    WHEN name LIKE '유한회사 %' THEN substr(name, 6)
    WHEN name LIKE '(주)%' THEN substr(name, 4)
    WHEN name LIKE '㈜%' THEN substr(name, 2)
    ELSE name END, 2)
$$;
"""

INDEX = "salesone_search_name_head"


def create_name_head_index(apps, schema_editor):
    """CREATE INDEX CONCURRENTLY that fails (a deadlock, a cancelled statement, a killed migrate)
    leaves an INVALID index behind, which IF NOT EXISTS would then keep for good: the planner never
    uses it and every write still maintains it. Drop such a leftover first, so a rerun builds it."""
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
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON {TABLE} "
            "(salesone_name_head(name::text), (coalesce(finance_revenue, -1)), id)"
        )


def drop_name_head_index(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [("salesone_leads", "0010_search_latin_trigrams")]

    operations = [
        migrations.RunSQL(NAME_HEAD, "DROP FUNCTION IF EXISTS salesone_name_head(text)"),
        migrations.RunPython(create_name_head_index, drop_name_head_index),
        # The planner's estimate of a head comes from the index expression's statistics.
        migrations.RunSQL(f"ANALYZE {TABLE}", migrations.RunSQL.noop),
    ]
