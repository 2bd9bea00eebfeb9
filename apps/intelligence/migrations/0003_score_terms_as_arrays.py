"""The lead score's terms as arrays instead of jsonb: the nightly rescoring compares and rewrites them.

The stored jsonb terms are carried over in committed batches of BATCH rows, walking the primary key:
one UPDATE of every row held every row's lock (and the rescoring behind it) until the whole table
was rewritten. Hence ``atomic = False``, and every step safe to run again after a crash part-way: the
columns are added and dropped with IF [NOT] EXISTS, a row whose terms are already carried over is
skipped, and nothing is carried once ``breakdown`` is gone.
"""

import django.contrib.postgres.fields
from django.db import migrations, models, transaction

TABLE = "intelligence_leadscore"
BATCH = 5_000

ADD_COLUMNS = [
    f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS {column} {kind}[] DEFAULT '{{}}' NOT NULL;"
    f" ALTER TABLE {TABLE} ALTER COLUMN {column} DROP DEFAULT"
    for column, kind in (
        ("event_counts", "integer"),
        ("event_last_at", "timestamp with time zone"),
        ("points", "smallint"),
    )
]
DROP_COLUMNS = [f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS {column}" for column in ("event_counts", "event_last_at", "points")]

# scored_at keeps meaning "when the terms last changed": the terms are carried, not recomputed.
CARRY_OVER = f"""
    UPDATE {TABLE}
       SET points = ARRAY(SELECT value::smallint FROM jsonb_array_elements_text(breakdown->'points')),
           event_counts = ARRAY(SELECT value::int FROM jsonb_array_elements_text(breakdown->'counts')),
           event_last_at = ARRAY(SELECT value::timestamptz FROM jsonb_array_elements_text(breakdown->'last_at'))
     WHERE {{rows}}
       AND jsonb_typeof(breakdown->'points') = 'array'
       AND cardinality(points) = 0
"""


def carry_over_terms(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = 'breakdown'"
            " AND table_schema = current_schema()",
            [TABLE],
        )
        if cursor.fetchone() is None:  # a rerun after the column was dropped: all was carried
            return
    after = None
    while True:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            lower = "lead_id > %s" if after is not None else "TRUE"
            lower_params = [after] if after is not None else []
            cursor.execute(
                f"SELECT lead_id FROM {TABLE} WHERE {lower} ORDER BY lead_id OFFSET %s LIMIT 1",
                [*lower_params, BATCH - 1],
            )
            row = cursor.fetchone()
            if row is None:  # the last, short batch
                cursor.execute(CARRY_OVER.format(rows=lower), lower_params)
                return
            cursor.execute(CARRY_OVER.format(rows=f"{lower} AND lead_id <= %s"), [*lower_params, row[0]])
            after = row[0]


class Migration(migrations.Migration):
    # Each batch commits on its own (see the docstring).
    atomic = False

    dependencies = [
        ('intelligence', '0002_duplicate_suggestion_rule'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(ADD_COLUMNS, DROP_COLUMNS)],
            state_operations=[
                migrations.AddField(
                    model_name='leadscore',
                    name='event_counts',
                    field=django.contrib.postgres.fields.ArrayField(base_field=models.IntegerField(), default=list, size=None, verbose_name='event counts'),
                ),
                migrations.AddField(
                    model_name='leadscore',
                    name='event_last_at',
                    field=django.contrib.postgres.fields.ArrayField(base_field=models.DateTimeField(null=True), default=list, size=None, verbose_name='latest events'),
                ),
                migrations.AddField(
                    model_name='leadscore',
                    name='points',
                    field=django.contrib.postgres.fields.ArrayField(base_field=models.SmallIntegerField(), default=list, size=None, verbose_name='points'),
                ),
            ],
        ),
        migrations.RunPython(carry_over_terms, migrations.RunPython.noop),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS breakdown CASCADE",
                    f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS breakdown jsonb DEFAULT '{{}}'::jsonb NOT NULL;"
                    f" ALTER TABLE {TABLE} ALTER COLUMN breakdown DROP DEFAULT",
                )
            ],
            state_operations=[migrations.RemoveField(model_name='leadscore', name='breakdown')],
        ),
    ]
