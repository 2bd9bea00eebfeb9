"""Latin trigrams in search_vector: every three-letter run of Latin letters of a word, as a term of all
five columns and (prefixed N) of the name, beside the bigrams.

A Latin query word was the AND of its bigrams, which the planner takes for independent (`ne & ex`:
314-1,000 rows guessed for 8,396), so it fetched and sorted every match instead of walking the
revenue index to the page. A trigram is one term whose frequency ANALYZE knows (SEARCH.md).

Existing rows only gain terms, so a row is rewritten only when its lower-cased text has a Latin
run of three letters, as ``search_vector || its trigrams``, in committed batches of ids (each batch
holds its rows' locks for a moment, and a rerun after a crash redoes only what the terms lack); the
GIN index stays in place, so search keeps working meanwhile. ANALYZE then learns the new terms.

search_vector's statistics target goes from 100 to 400 (as name's, migration 0008): ANALYZE keeps
the ~2,300 commonest terms instead of ~1,000, so a term it does not list is guessed at 563 rows
instead of 5,000. With 5,000 the planner walked the revenue index for an empty tier (`Nnex`: no
name holds Latin letters) through all 1,000,000 rows (12.9 s); `nex` itself is then a listed term
(8,351 guessed for 8,396). ANALYZE of the column takes ~4 s instead of ~1 s on a million rows.
"""

from django.db import migrations, transaction

TABLE = "salesone_leads_salesonelead"
BATCH = 50_000

TRIGRAMS = r"""
CREATE OR REPLACE FUNCTION salesone_search_latin_trigrams(value text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT substr(token, i, 3)
  FROM salesone_search_tokens(value) AS token, generate_series(1, length(token) - 2) AS i
  WHERE substr(token, i, 3) ~ '^[a-z]{3}$'
$$;
"""

WITH_TRIGRAMS = r"""
CREATE OR REPLACE FUNCTION salesone_search_vector(name text, name_eng text, owner text, address text, description text)
RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE COST 1000 AS $$
  SELECT coalesce(array_to_tsvector(array_agg(term)), ''::tsvector) FROM (
    SELECT substr(token, i, 2) AS term
    FROM salesone_search_tokens(concat_ws(' ', name, name_eng, owner, address, description)) AS token,
         generate_series(0, length(token)) AS i
    UNION ALL
    SELECT salesone_search_latin_trigrams(concat_ws(' ', name, name_eng, owner, address, description))
    UNION ALL
    SELECT 'N' || substr(token, i, 2)
    FROM salesone_search_tokens(name) AS token, generate_series(0, length(token)) AS i
    UNION ALL
    SELECT 'N' || salesone_search_latin_trigrams(name)
  ) AS terms
$$;
"""

# Migration 0007's function.
WITHOUT_TRIGRAMS = r"""
CREATE OR REPLACE FUNCTION salesone_search_vector(name text, name_eng text, owner text, address text, description text)
RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE COST 1000 AS $$
  SELECT coalesce(array_to_tsvector(array_agg(term)), ''::tsvector) FROM (
    SELECT substr(token, i, 2) AS term
    FROM salesone_search_tokens(concat_ws(' ', name, name_eng, owner, address, description)) AS token,
         generate_series(0, length(token)) AS i
    UNION ALL
    SELECT 'N' || substr(token, i, 2)
    FROM salesone_search_tokens(name) AS token, generate_series(0, length(token)) AS i
  ) AS terms
$$;
"""

ROW_TRIGRAMS = """ARRAY(
    SELECT salesone_search_latin_trigrams(concat_ws(' ', name, name_eng, owner, address, description))
    UNION SELECT 'N' || salesone_search_latin_trigrams(name))"""
HAS_LATIN_RUN = "lower(concat_ws(' ', name, name_eng, owner, address, description)) ~ '[a-z]{3}'"


def _in_batches(schema_editor, assignment: str) -> None:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT min(id), max(id) FROM {TABLE}")
        low, high = cursor.fetchone()
    if low is None:
        return
    for start in range(low, high + 1, BATCH):
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {TABLE} SET search_vector = {assignment} WHERE id >= %s AND id < %s AND {HAS_LATIN_RUN}",
                [start, start + BATCH],
            )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {TABLE}")


def add_trigrams(apps, schema_editor):
    _in_batches(schema_editor, f"search_vector || array_to_tsvector({ROW_TRIGRAMS})")


def remove_trigrams(apps, schema_editor):
    _in_batches(schema_editor, f"ts_delete(search_vector, {ROW_TRIGRAMS})")


class Migration(migrations.Migration):
    # Each batch commits on its own (a million rows in one transaction held every row lock for minutes).
    atomic = False

    dependencies = [("salesone_leads", "0009_search_region_industry")]

    operations = [
        migrations.RunSQL(
            [TRIGRAMS, WITH_TRIGRAMS, f"ALTER TABLE {TABLE} ALTER COLUMN search_vector SET STATISTICS 400"],
            [
                WITHOUT_TRIGRAMS,
                "DROP FUNCTION IF EXISTS salesone_search_latin_trigrams(text)",
                f"ALTER TABLE {TABLE} ALTER COLUMN search_vector SET STATISTICS -1",
            ],
        ),
        migrations.RunPython(add_trigrams, remove_trigrams),
    ]
