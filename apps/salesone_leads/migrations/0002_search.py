"""Korean substring search and the indexes of the search's filters and orderings.

PostgreSQL has no Korean parser and pg_trgm cannot index two-character patterns, so each company
gets a ``search_vector`` of character bigrams (plus each word's first and last character) of its normalised
name, name_eng, owner, address and description, with legal-form words left out (apps/salesone_leads/SEARCH.md).
The loader computes the vector in Python (fast); the trigger computes it for every other writer.
The columns stay out of the Django model: nothing but search reads them.
"""

from django.db import migrations

TABLE = "salesone_leads_salesonelead"

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION salesone_search_tokens(value text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT token
  FROM regexp_split_to_table(
         regexp_replace(lower(value),
           '주식회사|유한책임회사|유한회사|합자회사|합명회사|사단법인|재단법인|\(주\)|\(유\)|\(사\)|\(재\)|㈜', ' ', 'g'),
         '[^0-9a-z가-힣]+') AS token
  WHERE token <> '' AND token NOT IN ('co', 'ltd', 'inc', 'corp', 'corporation', 'company', 'llc')
$$;

CREATE OR REPLACE FUNCTION salesone_search_vector(name text, name_eng text, owner text, address text, description text)
RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE COST 1000 AS $$
  SELECT coalesce(array_to_tsvector(array_agg(substr(token, i, 2))), ''::tsvector)
  FROM salesone_search_tokens(concat_ws(' ', name, name_eng, owner, address, description)) AS token,
       generate_series(0, length(token)) AS i
$$;

CREATE OR REPLACE FUNCTION salesone_lead_search_vector_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.search_vector IS NULL THEN
      NEW.search_vector := salesone_search_vector(NEW.name, NEW.name_eng, NEW.owner, NEW.address, NEW.description);
    END IF;
  ELSIF NEW.search_vector IS NOT DISTINCT FROM OLD.search_vector
        AND (NEW.name, NEW.name_eng, NEW.owner, NEW.address, NEW.description)
            IS DISTINCT FROM (OLD.name, OLD.name_eng, OLD.owner, OLD.address, OLD.description) THEN
    NEW.search_vector := salesone_search_vector(NEW.name, NEW.name_eng, NEW.owner, NEW.address, NEW.description);
  END IF;
  RETURN NEW;
END
$$;
"""

FORWARD = [
    FUNCTIONS,
    f"ALTER TABLE {TABLE} ADD COLUMN search_vector tsvector",
    f"""CREATE TRIGGER salesone_lead_search_vector BEFORE INSERT OR UPDATE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION salesone_lead_search_vector_update()""",
    # Index names start with salesone_search_: the bulk loader drops and rebuilds exactly these
    # around a large load, and the benchmark drops them to measure the search without them.
    f"CREATE INDEX salesone_search_vector ON {TABLE} USING gin (search_vector)",
    # Orderings are keyset-paginated on (key, id); unknown revenue and dates sort as the lowest.
    f"CREATE INDEX salesone_search_revenue ON {TABLE} ((coalesce(finance_revenue, -1)), id)",
    f"CREATE INDEX salesone_search_employee ON {TABLE} (employee, id)",
    f"CREATE INDEX salesone_search_established ON {TABLE} ((coalesce(established_date, '0001-01-01'::date)), id)",
    f"CREATE INDEX salesone_search_region ON {TABLE} (si_nm, sgg_nm)",
]

BACKWARD = [
    "DROP INDEX IF EXISTS salesone_search_region",
    "DROP INDEX IF EXISTS salesone_search_established",
    "DROP INDEX IF EXISTS salesone_search_employee",
    "DROP INDEX IF EXISTS salesone_search_revenue",
    "DROP INDEX IF EXISTS salesone_search_vector",
    f"DROP TRIGGER IF EXISTS salesone_lead_search_vector ON {TABLE}",
    f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS search_vector",
    "DROP FUNCTION IF EXISTS salesone_lead_search_vector_update()",
    "DROP FUNCTION IF EXISTS salesone_search_vector(text, text, text, text, text)",
    "DROP FUNCTION IF EXISTS salesone_search_tokens(text)",
]


class Migration(migrations.Migration):
    dependencies = [("salesone_leads", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
