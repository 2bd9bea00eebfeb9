"""A btree on name for the "name starts with" tier of relevance (LIKE '넥스%', '주식회사 넥스%', …).

text_pattern_ops: the database collation is not C, and LIKE prefixes need pattern ordering to use an
index. The name starts with salesone_search_, so the bulk loader rebuilds it around a large load.
"""

from django.db import migrations

TABLE = "salesone_leads_salesonelead"


class Migration(migrations.Migration):
    dependencies = [("salesone_leads", "0003_import_job")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX salesone_search_name ON {TABLE} (name text_pattern_ops)",
            "DROP INDEX IF EXISTS salesone_search_name",
        )
    ]
