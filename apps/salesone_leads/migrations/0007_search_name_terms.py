"""The name's own index terms in search_vector: "N" + every bigram (and first/last character) of the
name's words, beside the terms of all five columns.

Relevance puts names that contain the first word before rows where another column matched. Without
an index term for "the name contains it" the planner could neither find that tier through an index
nor estimate it (ILIKE: it guessed 44 rows of 26,000), so a broad word sorted every match (전자:
81,907 rows, 0.9 s on a million companies). With the N-terms each tier is an index condition whose
frequency ANALYZE knows (SEARCH.md). Existing rows are recomputed here, with the GIN index dropped
meanwhile (one index build instead of a million index updates).
"""

from django.db import migrations

TABLE = "salesone_leads_salesonelead"

NAME_TERMS = r"""
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

ALL_COLUMNS_ONLY = r"""
CREATE OR REPLACE FUNCTION salesone_search_vector(name text, name_eng text, owner text, address text, description text)
RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE COST 1000 AS $$
  SELECT coalesce(array_to_tsvector(array_agg(substr(token, i, 2))), ''::tsvector)
  FROM salesone_search_tokens(concat_ws(' ', name, name_eng, owner, address, description)) AS token,
       generate_series(0, length(token)) AS i
$$;
"""


def recompute(function: str) -> list[str]:
    return [
        function,
        "DROP INDEX IF EXISTS salesone_search_vector",
        "SET LOCAL maintenance_work_mem = '512MB'",
        f"UPDATE {TABLE} SET search_vector = salesone_search_vector(name, name_eng, owner, address, description)",
        f"CREATE INDEX salesone_search_vector ON {TABLE} USING gin (search_vector)",
        f"ANALYZE {TABLE}",
    ]


class Migration(migrations.Migration):
    dependencies = [("salesone_leads", "0006_translatable_labels")]

    operations = [migrations.RunSQL(recompute(NAME_TERMS), recompute(ALL_COLUMNS_ONLY))]
