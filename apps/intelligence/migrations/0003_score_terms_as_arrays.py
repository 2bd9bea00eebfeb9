# The lead score's terms as arrays instead of jsonb: the nightly rescoring compares and rewrites them.

import django.contrib.postgres.fields
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('intelligence', '0002_duplicate_suggestion_rule'),
    ]

    operations = [
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
        # The stored jsonb terms carried over, so scored_at keeps meaning "when the terms last changed".
        migrations.RunSQL(
            """
            UPDATE intelligence_leadscore
               SET points = ARRAY(SELECT value::smallint FROM jsonb_array_elements_text(breakdown->'points')),
                   event_counts = ARRAY(SELECT value::int FROM jsonb_array_elements_text(breakdown->'counts')),
                   event_last_at = ARRAY(
                       SELECT value::timestamptz FROM jsonb_array_elements_text(breakdown->'last_at')
                   )
             WHERE jsonb_typeof(breakdown->'points') = 'array'
            """,
            migrations.RunSQL.noop,
        ),
        migrations.RemoveField(
            model_name='leadscore',
            name='breakdown',
        ),
    ]
