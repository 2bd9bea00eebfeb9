"""The scheduler's updates of enrolments become HOT (heap-only) updates: the two indexes that named a
column it writes go — the due index (sequence, next_send_at) WHERE state = 'active' (every advance
changed its key and its predicate) and the mailbox index (written by the first step) — and the table
keeps 70% of each page free for the new versions of its rows (fillfactor 30). A row is ~150 bytes
when enrolled and ~170 once it has a mailbox; a page holds both versions of its rows until the older
is pruned on a later visit, and pruning leaves line pointers behind. Measured on a copy of the
table's shape (20,000 rows updated twice, committed in between): the second round was 52% HOT at
fillfactor 40, 89% at 35, 100% at 30; bench_sequences' step 2 was 43% HOT at 40. Pages written
before this stay full until the table is rewritten (VACUUM FULL or pg_repack in a quiet hour).

Kept: the primary key, the two unique constraints (sequence, lead) and (sequence, address) — the
first is also how the due query, the stats, the API and the stops find a sequence's rows —, lead
(a lead's deletion cascades through it) and created_at (the admin's newest-first list). None of them
names a column the scheduler writes. Measured: docs/sequences.md, Performance (2026-12-06).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    # A big table: the indexes are dropped CONCURRENTLY (no lock on the scheduler), outside a transaction.
    atomic = False
    dependencies = [
        ("mail", "0004_mailboxes"),
        ("sequences", "0004_drop_sequence_send_the_row_carries_the_step"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="enrollment", name="sequence_enrollment_due"),
                migrations.AlterField(
                    model_name="enrollment",
                    name="mailbox",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="mail.mailbox",
                        verbose_name="sending mailbox",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX CONCURRENTLY IF EXISTS sequence_enrollment_due",
                    reverse_sql="CREATE INDEX CONCURRENTLY IF NOT EXISTS sequence_enrollment_due "
                    "ON sequences_enrollment (sequence_id, next_send_at) WHERE state = 'active'",
                ),
                migrations.RunSQL(
                    "DROP INDEX CONCURRENTLY IF EXISTS sequences_enrollment_mailbox_id_3d95229d",
                    reverse_sql="CREATE INDEX CONCURRENTLY IF NOT EXISTS sequences_enrollment_mailbox_id_3d95229d "
                    "ON sequences_enrollment (mailbox_id)",
                ),
            ],
        ),
        migrations.RunSQL(
            "ALTER TABLE sequences_enrollment SET (fillfactor = 30)",
            reverse_sql="ALTER TABLE sequences_enrollment RESET (fillfactor)",
        ),
    ]
